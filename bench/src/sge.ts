/**
 * pnpm bench:sge — on the testbed Son of Grid Engine (scripts/testbed/sge.sh), as `clustrix` over SSH
 * (SGE refuses root), each a ratio against raw commands on the same run and the same SSH transport:
 *  1. a trivial @cluster call vs raw `qsub` of `node -e 0` polled every 50 ms with qstat, and vs the same
 *     qsub whose script writes a file, polled for every 50 ms (SGE drops a job from qstat ~1 s after it ends;
 *     Clustrix sees the job folder's marker: the second ratio is the overhead over what SGE allows at best)
 *  2. a 200-item map vs a raw 200-task array (`qsub -t 1-200`)
 *  3. status round trips per poll cycle with 1 and 200 outstanding (held) jobs, and the qacct round
 *     trips among them (target: 1 qstat per cycle, 0 qacct while nothing vanished)
 * Env: CLUSTRIX_BENCH_N (rounds, default 7), CLUSTRIX_BENCH_ARRAY (200), CLUSTRIX_BENCH_OUTSTANDING ("1,200"),
 * CLUSTRIX_BENCH_SSH_USER / _PORT / _KEY / _KNOWN_HOSTS (default: the testbed's clustrix login).
 */
import { map, shutdown, withOptions } from '@clustrix/core';
import { registerScheduler, type BatchScheduler } from '@clustrix/core/scheduler';
import { scheduler as sge } from '@clustrix/schedulers-sge';
import { rawRun, rawRunMarker, rawScript } from './raw-sge.js';
import { ARRAY, benchCluster, N, testbedLogin } from './setup.js';
import { fmt, median, ratio, timeIt } from './stats.js';

registerScheduler(sge);
const OUTSTANDING = (process.env.CLUSTRIX_BENCH_OUTSTANDING ?? '1,200').split(',').map(Number);
const profile: Record<string, unknown> = { scheduler: 'sge', ...testbedLogin(process.env.CLUSTRIX_BENCH_SSH_USER ?? 'clustrix') };
const { rt, t, rawDir, job } = await benchCluster('sge', profile);

console.log(`SGE bench (over SSH to ${String(profile.user)}@${String(profile.host)}:${String(profile.port)}), ${N} rounds each, interleaved`);
// 1. trivial call
await job.noop(); // warm: bundle, runner, connection
const single = await rawScript(t, rawDir);
const withMarker = await rawScript(t, rawDir, undefined, true);
const ours: number[] = [];
const raw: number[] = [];
const rawMarker: number[] = [];
for (let i = 0; i < N; i++) {
  raw.push(await timeIt(() => rawRun(t, single)));
  rawMarker.push(await timeIt(() => rawRunMarker(t, withMarker, rawDir, i)));
  ours.push(await timeIt(() => job.noop()));
}
const [o1, r1, m1] = [median(ours), median(raw), median(rawMarker)];
console.log(`1. trivial call: clustrix ${fmt(o1)} vs raw qsub+qstat ${fmt(r1)} → ${ratio(o1, r1)}; vs raw qsub+file poll ${fmt(m1)} → ${ratio(o1, m1)}`);

// 2. a 200-item map vs a raw 200-task array
const arrayScript = await rawScript(t, rawDir, ARRAY);
const items = Array.from({ length: ARRAY }, (_, i) => i);
const ourMap: number[] = [];
const rawMap: number[] = [];
const rounds = Math.max(1, Math.min(3, N));
for (let i = 0; i < rounds; i++) {
  rawMap.push(await timeIt(() => rawRun(t, arrayScript)));
  ourMap.push(await timeIt(async () => void (await map(items, () => job.noop(), { progress: false }))));
}
const [o2, r2] = [median(ourMap), median(rawMap)];
console.log(`2. ${ARRAY}-item map: clustrix ${fmt(o2)} vs raw ${ARRAY}-task array ${fmt(r2)} → ${ratio(o2, r2)}`);

// 3. status round trips per cycle with n outstanding (held) jobs
const sched = rt.scheduler as BatchScheduler;
for (const n of OUTSTANDING) {
  const ac = new AbortController();
  const calls = Array.from({ length: n }, () => withOptions({ signal: ac.signal, directives: ['-h'] }, () => job.noop()).catch(() => undefined));
  while (rt.watcher.outstanding < n) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1000));
  const c0 = rt.watcher.cycles;
  const q0 = sched.roundTrips;
  const e0 = sched.explainTrips;
  await new Promise((r) => setTimeout(r, 4000));
  const cycles = rt.watcher.cycles - c0;
  const trips = sched.roundTrips - q0;
  const explains = sched.explainTrips - e0;
  console.log(
    `3. ${String(n).padStart(4)} outstanding jobs: ${cycles} poll cycles, ${trips} status round trips (each: 1 qstat -xml), ${explains} qacct round trips → ${(trips / Math.max(1, cycles)).toFixed(2)} per cycle`,
  );
  ac.abort();
  await Promise.all(calls);
}
await t.remove(rawDir, { recursive: true });
await shutdown();
