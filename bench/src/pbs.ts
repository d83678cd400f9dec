/**
 * pnpm bench:pbs — on a real PBS server, the OpenPBS of scripts/testbed/openpbs.sh, as `pbstest` over
 * SSH (flavour found by `qstat --version`), each a ratio against raw commands on the same run, interleaved:
 *  1. a trivial @cluster call vs raw `qsub` of `node -e 0` polled every 50 ms with `qstat -x -f ID` until F
 *  2. a 200-item map vs a raw 200-subjob array (`qsub -J`) polled every 50 ms with `qstat -x -f ID[]` until F
 *  3. status round trips per poll cycle with 1, 200 and 2,000 outstanding (held, `#PBS -h`) jobs (target 1)
 * The Torque wrappers over SLURM instead: CLUSTRIX_BENCH_PBS_USER=pbsuser (flavour torque: raw `qstat -f`
 * / `qstat -u` polls, and no 3.). Environment: CLUSTRIX_BENCH_N (rounds, 7), CLUSTRIX_BENCH_ARRAY (200),
 * CLUSTRIX_BENCH_PBS_HOST (127.0.0.1), CLUSTRIX_BENCH_PBS_USER (pbstest), CLUSTRIX_BENCH_PBS_FLAVOUR
 * (unset: detected), CLUSTRIX_BENCH_PBS_OUTSTANDING (1,200,2000), CLUSTRIX_BENCH_SSH_PORT / _KEY / _KNOWN_HOSTS.
 */
import { map, shutdown, withOptions } from '@clustrix/core';
import { registerScheduler } from '@clustrix/core/scheduler';
import { scheduler as pbs, type PbsScheduler } from '@clustrix/schedulers-pbs';
import { rawPbsArrayRun, rawPbsproRun, rawPbsRun, rawPbsScript } from './raw-pbs.js';
import { ARRAY, benchCluster, interleaved, N, testbedLogin } from './setup.js';
import { fmt, ratio } from './stats.js';

registerScheduler(pbs);
const host = process.env.CLUSTRIX_BENCH_PBS_HOST ?? '127.0.0.1';
const user = process.env.CLUSTRIX_BENCH_PBS_USER ?? 'pbstest';
const forced = process.env.CLUSTRIX_BENCH_PBS_FLAVOUR;
const profile = { scheduler: 'pbs', ...(forced ? { flavour: forced } : {}), ...testbedLogin(user, host) };
const { rt, t, rawDir, job } = await benchCluster('pbs', profile);
const sched = rt.scheduler as PbsScheduler;
const flavour = sched.dialect.detected.flavour;

console.log(`PBS bench: ${sched.variant}, over SSH to ${user}@${host}; ${N} rounds each, interleaved`);
// 1. trivial call
await job.noop(); // warm: bundle, runner, connection
const single = await rawPbsScript(t, rawDir, 'rawone', undefined, flavour);
const raw1 = flavour === 'pbspro' ? () => rawPbsproRun(t, rawDir, single) : () => rawPbsRun(t, rawDir, single);
const one = await interleaved(N, raw1, () => job.noop());
const poll1 = flavour === 'pbspro' ? 'qstat -x -f' : 'qstat -f';
console.log(`1. trivial call: clustrix ${fmt(one.ours)} vs raw qsub + ${poll1} every 50 ms ${fmt(one.raw)} → ${ratio(one.ours, one.raw)} (target ≤ 1.05×)`);

// 2. an ARRAY-item map vs a raw ARRAY-subjob array
const name = `rawarr${process.pid % 10000}`;
const arrayScript = await rawPbsScript(t, rawDir, name, ARRAY, flavour);
const items = Array.from({ length: ARRAY }, (_, i) => i);
const raw2 = flavour === 'pbspro' ? () => rawPbsproRun(t, rawDir, arrayScript, true) : () => rawPbsArrayRun(t, rawDir, arrayScript, name, user);
const arr = await interleaved(Math.max(1, Math.min(3, N)), raw2, () => map(items, () => job.noop(), { progress: false }));
console.log(`2. ${ARRAY}-item map: clustrix ${fmt(arr.ours)} vs raw ${ARRAY}-subjob array ${fmt(arr.raw)} → ${ratio(arr.ours, arr.raw)} (target ≤ 1.05×)`);

// 3. status round trips per cycle for n outstanding (held) jobs
if (flavour === 'pbspro') {
  const counts = (process.env.CLUSTRIX_BENCH_PBS_OUTSTANDING ?? '1,200,2000').split(',').map(Number);
  for (const n of counts) {
    const ac = new AbortController();
    const calls = Array.from({ length: n }, () => withOptions({ signal: ac.signal, directives: ['-h'] }, () => job.noop()).catch(() => undefined));
    while (rt.watcher.outstanding < n) await new Promise((r) => setTimeout(r, 200));
    const c0 = rt.watcher.cycles;
    const q0 = sched.roundTrips;
    await new Promise((r) => setTimeout(r, 4000));
    const cycles = rt.watcher.cycles - c0;
    const trips = sched.roundTrips - q0;
    console.log(`3. ${String(n).padStart(4)} outstanding jobs: ${cycles} poll cycles, ${trips} status round trips (each: 1 qstat -f -x) → ${(trips / Math.max(1, cycles)).toFixed(2)} per cycle (target 1)`);
    ac.abort();
    await Promise.all(calls);
  }
}
await t.remove(rawDir, { recursive: true });
await shutdown();
