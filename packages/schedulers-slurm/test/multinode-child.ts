// A submitting process for the multi-node tests, run as `node --import tsx --conditions=source`
// (its own process, so that SIGKILL really kills the submitter). Configuration from $CLUSTRIX_TEST_CONFIG
// (JSON) and $CLUSTRIX_TEST_HOME. `map <n> <ms>`: map NodeWork.square over 0..n-1 as one array job,
// print {"jobId"} once it is submitted, then wait for the results.
import { join } from 'node:path';
import { configure, map, shutdown } from '@clustrix/core';
import { NodeWork } from './multinode-jobs.js';

const home = process.env.CLUSTRIX_TEST_HOME!;
configure(JSON.parse(process.env.CLUSTRIX_TEST_CONFIG!), { cwd: home, env: {}, home, systemDir: join(home, 'etc') });
const [mode, a, b] = process.argv.slice(2);
const w = new NodeWork();
if (mode === 'map') {
  const batch = map(Array.from({ length: Number(a) }, (_, i) => i), (i) => w.square(i, Number(b)));
  for (let i = 0; i < 400 && !batch.jobs[0]?.schedulerJobId; i++) await new Promise((r) => setTimeout(r, 50));
  await batch.jobs[0]!.submitted();
  process.stdout.write(`${JSON.stringify({ jobId: batch.jobs[0]!.id })}\n`);
  process.stdout.write(`${JSON.stringify({ results: await batch })}\n`);
}
await shutdown();
