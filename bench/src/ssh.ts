/**
 * pnpm bench:ssh — on the testbed sshd (scripts/testbed/sshd.sh), on the same run:
 *  1. turnaround of a trivial @cluster call over SSH (connection and bundle warm) against
 *     `ssh host node -e 0`, as a ratio (target ≤ 1.2×); rounds interleaved so both see the same load
 *  2. TCP connections per host for 1, 20 and 200 concurrent jobs (target 1): counted by the server
 *     (sshd log lines "Accepted publickey for <user>", when the log is readable) and by the client
 * Env: CLUSTRIX_BENCH_N (rounds, default 15), CLUSTRIX_TEST_SSH_DIR / _PORT, CLUSTRIX_BENCH_SSH_USER2.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { configure, shutdown, withOptions } from '@clustrix/core';
import { getCluster } from '@clustrix/core/jobs';
import { registerScheduler } from '@clustrix/core/scheduler';
import { scheduler as ssh } from '@clustrix/schedulers-ssh';
import { fmt, median, ratio, timeIt } from './stats.js';
import { Trivial } from './trivial.js';

registerScheduler(ssh);
const N = Number(process.env.CLUSTRIX_BENCH_N ?? 15);
const dir = process.env.CLUSTRIX_TEST_SSH_DIR ?? '/tmp/clustrix-testbed/ssh';
const port = Number(process.env.CLUSTRIX_TEST_SSH_PORT ?? 2222);
const user = process.env.CLUSTRIX_BENCH_SSH_USER ?? 'clustrix';
const user2 = process.env.CLUSTRIX_BENCH_SSH_USER2 ?? 'clustrix2';
const key = `${dir}/id_ed25519`;
const knownHosts = `${dir}/known_hosts`;
const log = `${dir}/sshd.log`;
const run = `bench-${Date.now().toString(36)}`;

const profile = (u: string) => ({
  scheduler: 'ssh',
  host: '127.0.0.1',
  port,
  user: u,
  identityFile: key,
  knownHostsFile: knownHosts,
  agent: false,
  sshConfigFile: false,
  remoteRoot: `~/.clustrix-bench/${run}`,
});
configure({ defaultCluster: 'bench', clusters: { bench: profile(user), count: profile(user2) } as never });

function rawSsh(command: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-p', String(port), '-i', key, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${knownHosts}`, `${user}@127.0.0.1`, ...command];
    const child = spawn('ssh', args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ssh ${command.join(' ')} exited ${code}`))));
  });
}

function logSize(): number | undefined {
  try {
    return statSync(log).size;
  } catch {
    return undefined;
  }
}

function loginsSince(offset: number | undefined, who: string): number | undefined {
  if (offset === undefined) return undefined;
  try {
    return readFileSync(log).subarray(offset).toString('utf8').split('\n').filter((l) => l.startsWith(`Accepted publickey for ${who} `)).length;
  } catch {
    return undefined;
  }
}

const job = new Trivial();
console.log(`SSH bench against ${user}@127.0.0.1:${port}, ${N} rounds, interleaved`);

// 1. turnaround, warm
const tWarm = await timeIt(() => job.noop());
await job.noop();
const ours: number[] = [];
const raw: number[] = [];
for (let i = 0; i < N; i++) {
  raw.push(await timeIt(() => rawSsh(['node', '-e', '0'])));
  ours.push(await timeIt(() => job.noop()));
}
const mOurs = median(ours);
const mRaw = median(raw);
console.log(`first call (connect, node check, bundle, upload): ${fmt(tWarm)}`);
console.log(`trivial call, warm: median ${fmt(mOurs)} (min ${fmt(Math.min(...ours))}, max ${fmt(Math.max(...ours))})`);
console.log(`ssh host node -e 0: median ${fmt(mRaw)} (min ${fmt(Math.min(...raw))}, max ${fmt(Math.max(...raw))})`);
console.log(`ratio: ${ratio(mOurs, mRaw)} (target ≤ 1.20×)`);
const rt = await getCluster('bench');
const conn = (rt.transport as unknown as { connection?: { stats: { tcpConnections: number; execs: number } } }).connection;
console.log(`  over ${conn?.stats.tcpConnections ?? '?'} TCP connection(s) for ${N * 2 + 2} calls; ${conn?.stats.execs ?? '?'} commands in all`);

// 2. connections per host
const rows: Array<{ jobs: number; server?: number; client: number; ms: number }> = [];
for (const k of [1, 20, 200]) {
  await shutdown();
  const offset = logSize();
  const ms = await timeIt(() => Promise.all(Array.from({ length: k }, () => withOptions({ cluster: 'count' }, () => job.noop()))));
  const c = await getCluster('count');
  const stats = (c.transport as unknown as { connection: { stats: { tcpConnections: number } } }).connection.stats;
  await new Promise((r) => setTimeout(r, 300));
  const server = loginsSince(offset, user2);
  rows.push({ jobs: k, ...(server !== undefined ? { server } : {}), client: stats.tcpConnections, ms });
}
// leave nothing behind on the host
for (const name of ['bench', 'count']) {
  const c = await getCluster(name);
  await c.transport.remove(c.remoteRoot, { recursive: true });
}
console.log('connections per host (target 1):');
for (const r of rows) {
  console.log(`  ${String(r.jobs).padStart(3)} jobs: ${r.server ?? '?'} seen by sshd, ${r.client} opened by the client (${fmt(r.ms)} for all)`);
}
await shutdown();
console.log(JSON.stringify({ bench: 'ssh', rounds: N, medianCallMs: mOurs, medianSshMs: mRaw, ratio: mOurs / mRaw, connections: rows }));
