/**
 * pnpm bench:pbs — on the testbed's PBS (the Torque wrappers over SLURM, scripts/testbed/pbs.sh),
 * as `pbsuser` over SSH, each a ratio against raw commands on the same run, interleaved:
 *  1. a trivial @cluster call vs raw `qsub` of `node -e 0` polled every 50 ms with `qstat -f`
 *  2. a 200-item map vs a raw 200-task array (`qsub -t`) polled every 50 ms with `qstat -u`
 * Environment: CLUSTRIX_BENCH_N (rounds, 7), CLUSTRIX_BENCH_ARRAY (200), CLUSTRIX_BENCH_PBS_HOST
 * (127.0.0.1), CLUSTRIX_BENCH_PBS_USER (pbsuser), CLUSTRIX_BENCH_PBS_FLAVOUR (torque),
 * CLUSTRIX_BENCH_SSH_PORT / _KEY / _KNOWN_HOSTS (the testbed sshd's).
 */
import { map, registerScheduler, shutdown } from '@clustrix/core';
import { scheduler as pbs } from '@clustrix/schedulers-pbs';
import { rawPbsArrayRun, rawPbsRun, rawPbsScript } from './raw-pbs.js';
import { ARRAY, benchCluster, N, testbedLogin } from './setup.js';
import { fmt, median, ratio, timeIt } from './stats.js';

registerScheduler(pbs);
const host = process.env.CLUSTRIX_BENCH_PBS_HOST ?? '127.0.0.1';
const user = process.env.CLUSTRIX_BENCH_PBS_USER ?? 'pbsuser';
const profile = { scheduler: 'pbs', flavour: process.env.CLUSTRIX_BENCH_PBS_FLAVOUR ?? 'torque', ...testbedLogin(user, host) };
const { rt, t, rawDir, job } = await benchCluster('pbs', profile);

console.log(`PBS bench (${profile.flavour} flavour, over SSH to ${user}@${host}), ${N} rounds each, interleaved`);
// 1. trivial call
await job.noop(); // warm: bundle, runner, connection
const single = await rawPbsScript(t, rawDir, 'rawone');
const ours: number[] = [];
const raw: number[] = [];
for (let i = 0; i < N; i++) {
  raw.push(await timeIt(() => rawPbsRun(t, rawDir, single)));
  ours.push(await timeIt(() => job.noop()));
}
const [o1, r1] = [median(ours), median(raw)];
console.log(`1. trivial call: clustrix ${fmt(o1)} vs raw qsub+qstat ${fmt(r1)} → ${ratio(o1, r1)}`);

// 2. an ARRAY-item map vs a raw ARRAY-task array
const name = `rawarr${process.pid % 10000}`;
const arrayScript = await rawPbsScript(t, rawDir, name, ARRAY);
const items = Array.from({ length: ARRAY }, (_, i) => i);
const ourMap: number[] = [];
const rawMap: number[] = [];
const rounds = Math.max(1, Math.min(3, N));
for (let i = 0; i < rounds; i++) {
  rawMap.push(await timeIt(() => rawPbsArrayRun(t, rawDir, arrayScript, name, user)));
  ourMap.push(await timeIt(async () => { await map(items, () => job.noop(), { progress: false }); }));
}
const [o2, r2] = [median(ourMap), median(rawMap)];
console.log(`2. ${ARRAY}-item map: clustrix ${fmt(o2)} vs raw ${ARRAY}-task array ${fmt(r2)} → ${ratio(o2, r2)}`);
console.log(`   (clustrix ${ourMap.map(fmt).join(', ')}; raw ${rawMap.map(fmt).join(', ')})`);
await t.remove(rawDir, { recursive: true });
await shutdown();
