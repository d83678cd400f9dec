/**
 * pnpm bench:slurm — on the testbed SLURM, each a ratio against raw commands on the same run:
 *  1. a trivial @cluster call vs raw `sbatch` of `node -e 0` polled every 50 ms with squeue (target ≤ 1.10×)
 *  2. a 200-item map vs a raw 200-task array (target ≤ 1.05×)
 *  3. status queries per cycle for 1, 200 and 2,000 outstanding jobs (target 1)
 * CLUSTRIX_BENCH_SLURM_HOST=127.0.0.1 runs it over SSH (user/key from CLUSTRIX_BENCH_SSH_*), else locally.
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure, getCluster, map, shutdown, withOptions, type BatchScheduler } from '@clustrix/core';
import { scheduler as slurm } from '@clustrix/schedulers-slurm';
import { registerScheduler } from '@clustrix/core';
import { rawRun, rawScript } from './raw-slurm.js';
import { fmt, median, ratio, sample, timeIt } from './stats.js';
import { Trivial } from './trivial.js';

registerScheduler(slurm);
const N = Number(process.env.CLUSTRIX_BENCH_N ?? 7);
const ARRAY = Number(process.env.CLUSTRIX_BENCH_ARRAY ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'clustrix-bench-slurm-'));
chmodSync(dir, 0o755);
const host = process.env.CLUSTRIX_BENCH_SLURM_HOST;
const profile: Record<string, unknown> = { scheduler: 'slurm' };
if (host) {
  Object.assign(profile, {
    host,
    port: Number(process.env.CLUSTRIX_BENCH_SSH_PORT ?? 2222),
    user: process.env.CLUSTRIX_BENCH_SSH_USER ?? 'clustrix',
    identityFile: process.env.CLUSTRIX_BENCH_SSH_KEY ?? '/tmp/clustrix-testbed/ssh/id_ed25519',
    knownHostsFile: process.env.CLUSTRIX_BENCH_SSH_KNOWN_HOSTS ?? '/tmp/clustrix-testbed/ssh/known_hosts',
    sshConfigFile: false,
    agent: false,
  });
} else {
  profile.remoteRoot = join(dir, 'remote');
}
configure({ defaultCluster: 'bench', cacheDir: join(dir, 'cache'), clusters: { bench: profile as never } });

const rt = await getCluster('bench');
const t = rt.transport;
const rawDir = `${rt.remoteRoot}/bench-raw`;
await t.mkdir(rawDir, { mode: 0o700 });
const job = new Trivial();

console.log(`SLURM bench (${host ? `over SSH to ${host}` : 'local transport'}), ${N} rounds each, interleaved`);
// 1. trivial call
await job.noop(); // warm: bundle, runner, connection
const single = await rawScript(t, rawDir);
const ours: number[] = [];
const raw: number[] = [];
for (let i = 0; i < N; i++) {
  raw.push(await timeIt(() => rawRun(t, single)));
  ours.push(await timeIt(() => job.noop()));
}
const [o1, r1] = [median(ours), median(raw)];
console.log(`1. trivial call: clustrix ${fmt(o1)} vs raw sbatch+squeue ${fmt(r1)} → ${ratio(o1, r1)} (target ≤ 1.10×)`);

// 2. a 200-item map vs a raw 200-task array
const arrayScript = await rawScript(t, rawDir, ARRAY);
const items = Array.from({ length: ARRAY }, (_, i) => i);
const ourMap: number[] = [];
const rawMap: number[] = [];
const rounds = Math.max(1, Math.min(3, N));
for (let i = 0; i < rounds; i++) {
  rawMap.push(await timeIt(() => rawRun(t, arrayScript)));
  ourMap.push(await timeIt(() => map(items, () => job.noop(), { progress: false })));
}
const [o2, r2] = [median(ourMap), median(rawMap)];
console.log(`2. ${ARRAY}-item map: clustrix ${fmt(o2)} vs raw ${ARRAY}-task array ${fmt(r2)} → ${ratio(o2, r2)} (target ≤ 1.05×)`);

// 3. status queries per cycle for 1, 200, 2000 outstanding (held) jobs
const sched = rt.scheduler as BatchScheduler;
for (const n of [1, 200, 2000]) {
  const ac = new AbortController();
  const calls = Array.from({ length: n }, () => withOptions({ signal: ac.signal, directives: ['--hold'] }, () => job.noop()).catch(() => undefined));
  while (rt.watcher.outstanding < n) await new Promise((r) => setTimeout(r, 200));
  const c0 = rt.watcher.cycles;
  const q0 = sched.roundTrips;
  await new Promise((r) => setTimeout(r, 4000));
  const cycles = rt.watcher.cycles - c0;
  const trips = sched.roundTrips - q0;
  console.log(`3. ${String(n).padStart(4)} outstanding jobs: ${cycles} poll cycles, ${trips} status round trips (each: 1 squeue + 1 sacct) → ${(trips / cycles).toFixed(2)} per cycle (target 1)`);
  ac.abort();
  await Promise.all(calls);
}
await t.remove(rawDir, { recursive: true });
await shutdown();
void sample;
