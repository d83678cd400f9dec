/**
 * Timings of the kubernetes scheduler against FakeKubeApiServer (a FAKE API server whose pods are
 * local processes: this measures Clustrix's own overhead and request count, not a cluster's).
 *
 *   npx tsx --conditions=source packages/schedulers-kubernetes/bench/fake.ts [calls=10] [items=50]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { configure, map, shutdown } from '@clustrix/core';
import { registerScheduler } from '@clustrix/core/scheduler';
import { scheduler } from '../src/index.js';
import { Lab } from '../test/fixtures/jobs.js';

const calls = Number(process.argv[2] ?? 10);
const items = Number(process.argv[3] ?? 50);
const root = mkdtempSync(join(tmpdir(), 'clustrix-k8s-bench-'));
mkdirSync(join(root, 'etc'));

const t0 = performance.now();
await import('@kubernetes/client-node');
const importMs = performance.now() - t0;
// The fake checks answers with client-node's models: loaded after the timing above, not before it.
const { FakeKubeApiServer } = await import('../test/fake/index.js');

const fake = await FakeKubeApiServer.start({ workDir: join(root, 'kubelet'), namespaces: ['bench'] });
const kubeconfig = fake.writeKubeconfig(join(root, 'kubeconfig'), 'bench');
registerScheduler(scheduler);
configure({ clusters: { k8s: { scheduler: 'kubernetes', kubeconfig, context: 'fake' } } } as never, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
const lab = new Lab('bench');

const ms = (from: number) => performance.now() - from;
let t = performance.now();
await lab.square(2);
const firstMs = ms(t);
const warm: number[] = [];
const before = fake.requests.length;
for (let i = 0; i < calls; i++) {
  t = performance.now();
  await lab.square(i);
  warm.push(ms(t));
}
const perCall = (fake.requests.length - before) / calls;
warm.sort((a, b) => a - b);
t = performance.now();
const list = Array.from({ length: items }, (_, i) => i);
await map(list, (i) => lab.square(i), { concurrency: 10 });
const mapMs = ms(t);

console.log(`@kubernetes/client-node import: ${importMs.toFixed(0)} ms`);
console.log(`first call (connect, bundle, stage): ${firstMs.toFixed(0)} ms`);
console.log(`warm call, median of ${calls}: ${warm[Math.floor(warm.length / 2)]!.toFixed(0)} ms (min ${warm[0]!.toFixed(0)}, max ${warm[warm.length - 1]!.toFixed(0)})`);
console.log(`API requests per call: ${perCall}`);
console.log(`map of ${items} (concurrency 10, one Indexed Job): ${mapMs.toFixed(0)} ms`);
await shutdown();
await fake.close();
rmSync(root, { recursive: true, force: true });
