/**
 * pnpm soak — a bounded reliability soak on the multi-node SLURM testbed (cluster mn of
 * scripts/testbed/slurm-multinode.sh), over SSH (clustrix@127.0.0.1:2222): `--calls N` calls (2,000),
 * mixed as single calls and maps, while a fault injector (soak-faults.ts) kills slurmd nodes and
 * restarts them, cuts the SSH connection and restarts slurmctld. New work stops being submitted after
 * `--minutes M` (10); what is still outstanding 4 minutes later is cancelled and counted lost, so the
 * whole run ends within M + 4 minutes (≤ 15 with the default). Not part of CI (too long). Needs root
 * (the injector kills daemons). Prints calls, results, lost (must be 0), duplicated results and
 * duplicate submissions (SLURM jobs no record knows: 0), records not in a final state (0), retries used, p50/p99 turnaround.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure, map, onJobEvent, shutdown, submit, withOptions, type JobState } from '@clustrix/core';
import { getCluster, listJobs } from '@clustrix/core/jobs';
import { registerScheduler, TERMINAL_STATES } from '@clustrix/core/scheduler';
import { scheduler as slurm } from '@clustrix/schedulers-slurm';
import { FaultInjector } from './soak-faults.js';
import { SoakWork } from './soak-jobs.js';
import { testbedLogin } from './setup.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} wants a positive number, got ${process.argv[i + 1]}`);
  return v;
};
const CALLS = Math.floor(arg('calls', 2000));
const MINUTES = Math.min(arg('minutes', 10), 11);
const GRACE_MS = 4 * 60_000;
const MN_CONF = '/etc/slurm-mn/slurm.conf';
if (process.getuid?.() !== 0) throw new Error('pnpm soak injects faults (kills slurmd, sshd children): run it as root');

registerScheduler(slurm);
const run = `soak${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), 'clustrix-soak-'));
chmodSync(dir, 0o755);
configure({
  defaultCluster: 'mn',
  cacheDir: join(dir, 'cache'),
  registryDir: join(dir, 'registry'),
  clusters: { mn: { scheduler: 'slurm', slurmConf: MN_CONF, ...testbedLogin('clustrix'), remoteRoot: `~/.clustrix-${run}`, pollMinMs: 250, pollMaxMs: 2000 } as never },
});
const t0 = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);

// ---- the plan: ~10% single calls, the rest in maps of 40-160 items ----
type Unit = { kind: 'single'; ids: number[] } | { kind: 'map'; ids: number[] };
const units: Unit[] = [];
let next = 0;
const singles = Math.max(1, Math.round(CALLS * 0.1));
for (let i = 0; i < singles && next < CALLS; i++) units.push({ kind: 'single', ids: [next++] });
while (next < CALLS) {
  const n = Math.min(CALLS - next, 40 + Math.floor(Math.random() * 121));
  units.push({ kind: 'map', ids: Array.from({ length: n }, () => next++) });
}
units.sort(() => Math.random() - 0.5);

// ---- what happened ----
const delivered = new Map<number, number>(); // call id → results delivered
const wrong: number[] = [];
const failed = new Map<number, string>();
const turnaround: number[] = [];
let retries = 0;
let requeues = 0;
const offEvents = onJobEvent((e) => {
  if (e.type === 'retry') retries += e.indices.length;
  if (e.type === 'requeued') requeues += e.indices?.length ?? 1;
});
const work = new SoakWork();
const cancel = new AbortController();
const got = (id: number, value: { id: number; v: number }, started: number) => {
  delivered.set(id, (delivered.get(id) ?? 0) + 1);
  if (value.id !== id || value.v !== id * 7 + 3) wrong.push(id);
  turnaround.push(Date.now() - started);
};
const options = (u: Unit, k: number) => ({ retries: 2, retryDelay: 2, jobName: `${run}-${u.kind[0]}${k}`, signal: cancel.signal });
const ms = () => 100 + Math.floor(Math.random() * 600);

async function runUnit(u: Unit, k: number): Promise<void> {
  const started = Date.now();
  try {
    if (u.kind === 'single') {
      const id = u.ids[0]!;
      got(id, await withOptions(options(u, k), () => submit(() => work.item(id, ms()))).then((h) => h.result()), started);
    } else {
      const batch = map(u.ids, (id) => work.item(id, ms()), { ...options(u, k), progress: false });
      const settled = await batch.settled();
      settled.forEach((r, i) => (r.status === 'fulfilled' ? got(u.ids[i]!, r.value, started) : failed.set(u.ids[i]!, String((r.reason as Error)?.message ?? r.reason).split('\n')[0]!)));
    }
  } catch (err) {
    for (const id of u.ids) if (!delivered.has(id)) failed.set(id, String((err as Error)?.message ?? err).split('\n')[0]!);
  }
}

// ---- go ----
const rt = await getCluster('mn');
const stats = (rt.transport as unknown as { connection: { stats: { localPorts: number[]; reconnects: number } } }).connection.stats;
log(`soak ${run}: ${CALLS} calls (${units.filter((u) => u.kind === 'single').length} single, ${units.filter((u) => u.kind === 'map').length} maps) over SSH on SLURM cluster mn; new work until ${MINUTES} min`);
const injector = new FaultInjector({ minGapMs: 8_000, maxGapMs: 20_000, nodeDownMs: 25_000, sshPorts: () => stats.localPorts, log });
injector.start();
const inFlight = new Set<Promise<void>>();
let items = 0;
let submittedCalls = 0;
const progress = setInterval(() => log(`${delivered.size}/${CALLS} results, ${failed.size} failed, ${inFlight.size} units in flight`), 30_000);
for (const [k, u] of units.entries()) {
  while (inFlight.size >= 40 || items + u.ids.length > 600) await Promise.race(inFlight);
  if (Date.now() - t0 > MINUTES * 60_000) break;
  items += u.ids.length;
  submittedCalls += u.ids.length;
  const p: Promise<void> = runUnit(u, k).finally(() => {
    inFlight.delete(p);
    items -= u.ids.length;
  });
  inFlight.add(p);
}
const hardStop = setTimeout(() => {
  log('hard stop: cancelling what is still outstanding');
  cancel.abort();
}, Math.max(0, MINUTES * 60_000 + GRACE_MS - (Date.now() - t0)));
await Promise.all(inFlight);
clearTimeout(hardStop);
clearInterval(progress);
await injector.stop();
offEvents();

// ---- check ----
const records = await listJobs({ refresh: true });
const notFinal = records.filter((r) => !TERMINAL_STATES.has(r.state as JobState) || r.state === 'unknown');
const sacct = execFileSync('sacct', ['-n', '-X', '-P', '-S', 'now-1hours', '-o', 'JobName,JobID'], { env: { ...process.env, SLURM_CONF: MN_CONF }, encoding: 'utf8' });
// every SLURM job under this run's names must be an attempt some record knows (a retry is a known attempt;
// a job submitted twice by mistake is not)
const slurmJobs = new Set<string>();
for (const line of sacct.split('\n')) {
  const [name, id] = line.split('|');
  if (name?.startsWith(`${run}-`) && id) slurmJobs.add(id.split('_')[0]!);
}
const known = new Set(records.flatMap((r) => r.attempts.map((a) => a.ref?.schedulerJobId).filter((x): x is string => !!x)));
const dupSubmissions = [...slurmJobs].filter((id) => !known.has(id)).length;
const duplicated = [...delivered.values()].filter((n) => n > 1).length + wrong.length;
const lost = submittedCalls - delivered.size;
const q = (p: number) => {
  const s = [...turnaround].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor(p * s.length))]! / 1000).toFixed(1) : '-';
};
await rt.transport.remove(rt.remoteRoot, { recursive: true }).catch(() => undefined);
await shutdown();
const f = injector.counts;
console.log(`
soak ${run} done in ${((Date.now() - t0) / 60_000).toFixed(1)} min
  calls                      ${submittedCalls}${submittedCalls < CALLS ? ` (of ${CALLS} planned: time ran out before the rest was submitted)` : ''}
  results                    ${delivered.size}
  lost                       ${lost}${failed.size ? ` (failed: ${[...new Set(failed.values())].slice(0, 3).join(' | ')})` : ''}
  duplicated results         ${duplicated}
  duplicate submissions      ${dupSubmissions} (SLURM jobs no record knows, of ${slurmJobs.size} under this run's job names)
  records not final          ${notFinal.length} (of ${records.length})${notFinal.length ? `: ${notFinal.slice(0, 5).map((r) => `${r.id}=${r.state}`).join(' ')}` : ''}
  retries used               ${retries} Clustrix retries, ${requeues} SLURM requeues seen
  turnaround                 p50 ${q(0.5)} s, p99 ${q(0.99)} s (submit → result, per call; a map item counts from the map's start)
  faults injected            ${f.node} node kills, ${f.ssh} SSH cuts, ${f.ctld} slurmctld restarts (${f.failedInjections} failed); SSH reconnects ${stats.reconnects}`);
process.exit(lost || duplicated || dupSubmissions || notFinal.length || submittedCalls < CALLS ? 1 : 0);
