/**
 * pnpm bench:slurm — on the testbed SLURM, each a ratio against raw commands on the same run:
 *  1. a trivial @cluster call vs raw `sbatch` of `node -e 0` polled every 50 ms with squeue (target ≤ 1.10×)
 *  2. a 200-item map vs a raw 200-task array (target ≤ 1.05×)
 *  3. status queries per cycle for 1, 200 and 2,000 outstanding jobs (target 1)
 * CLUSTRIX_BENCH_SLURM_HOST=127.0.0.1 runs it over SSH (as CLUSTRIX_BENCH_SSH_USER, default clustrix), else locally.
 * CLUSTRIX_BENCH_N rounds (7), CLUSTRIX_BENCH_ARRAY items (200).
 */
import { map, shutdown, withOptions } from '@clustrix/core';
import { registerScheduler, type BatchScheduler } from '@clustrix/core/scheduler';
import { scheduler as slurm } from '@clustrix/schedulers-slurm';
import { rawRun, rawScript } from './raw-slurm.js';
import { ARRAY, benchCluster, interleaved, N, testbedLogin } from './setup.js';
import { fmt, ratio } from './stats.js';

registerScheduler(slurm);
const host = process.env.CLUSTRIX_BENCH_SLURM_HOST;
const login = host ? testbedLogin(process.env.CLUSTRIX_BENCH_SSH_USER ?? 'clustrix', host) : {};
const { rt, t, rawDir, job } = await benchCluster('slurm', { scheduler: 'slurm', ...login });

console.log(`SLURM bench (${host ? `over SSH to ${host}` : 'local transport'}), ${N} rounds each, interleaved`);
await job.noop(); // warm: bundle, runner, connection
const single = await rawScript(t, rawDir);
const one = await interleaved(N, () => rawRun(t, single), () => job.noop());
console.log(`1. trivial call: clustrix ${fmt(one.ours)} vs raw sbatch+squeue ${fmt(one.raw)} → ${ratio(one.ours, one.raw)} (target ≤ 1.10×)`);

const arrayScript = await rawScript(t, rawDir, ARRAY);
const items = Array.from({ length: ARRAY }, (_, i) => i);
const arr = await interleaved(Math.max(1, Math.min(3, N)), () => rawRun(t, arrayScript), () => map(items, () => job.noop(), { progress: false }));
console.log(`2. ${ARRAY}-item map: clustrix ${fmt(arr.ours)} vs raw ${ARRAY}-task array ${fmt(arr.raw)} → ${ratio(arr.ours, arr.raw)} (target ≤ 1.05×)`);

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
