/**
 * pnpm demo — runs on the local scheduler with no configuration: each @cluster call is a child
 * `node` process started from a job folder, exactly as on a cluster node.
 */
import { map, shutdown, withOptions } from '@clustrix/core';
import { availableParallelism } from 'node:os';
import { PiEstimator } from './monte-carlo.js';

const ms = (t: number) => `${(performance.now() - t).toFixed(0)} ms`;
const estimator = new PiEstimator(2_000_000);

let t = performance.now();
console.log(`[demo] ${await PiEstimator.describe()} (${ms(t)}, first call: bundles the code)`);

t = performance.now();
const one = await estimator.sample(1);
console.log(`[demo] one call: ${one.inside} of ${one.samples} inside, pid ${one.pid} (${ms(t)})`);

const calls = availableParallelism() * 2;
t = performance.now();
const batch = map(
  Array.from({ length: calls }, (_, i) => i + 10),
  (seed) => estimator.sample(seed),
  {
    progress: false,
    onProgress: (p) =>
      process.stdout.isTTY ? process.stdout.write(`\r[demo] map: ${p.done}/${p.total} done`) : console.log(`[demo] map: item ${p.index} done (${p.done}/${p.total})`),
  },
);
const results = await batch;
const inside = results.reduce((s, r) => s + r.inside, 0);
const samples = results.reduce((s, r) => s + r.samples, 0);
console.log(`${process.stdout.isTTY ? '\n' : ''}[demo] ${calls} calls in parallel on ${availableParallelism()} CPUs: π ≈ ${((4 * inside) / samples).toFixed(5)} from ${samples.toLocaleString()} samples (${ms(t)})`);

t = performance.now();
try {
  await withOptions({ time: '1m' }, () => estimator.sample(-1));
} catch (err) {
  const e = err as Error & { value?: number };
  console.log(`[demo] the error path: ${e.name}: ${e.message} (value=${e.value}, instanceof Error: ${e instanceof Error}) (${ms(t)})`);
  console.log(`[demo] its remote stack starts: ${e.stack?.split('\n').slice(0, 2).join(' | ')}`);
}
await shutdown();
