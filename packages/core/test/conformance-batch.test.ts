// The shared conformance suite on core's batch machinery (BatchScheduler) with a small dialect over a
// FAKE batch system on local files (fixtures/fake-batch-system.ts: fake sbatch/scancel, a queue file as squeue).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchSchedulerFactory } from '@clustrix/core/scheduler';
import { describeConformance } from '@clustrix/scheduler-test-suite';
import { fakeBatchSystem } from './fixtures/fake-batch-system.js';

const dir = mkdtempSync(join(tmpdir(), 'clustrix-fake-batch-'));
const scheduler = batchSchedulerFactory(fakeBatchSystem(dir));

describeConformance({
  title: 'batch conformance (fake batch system on local files)',
  scheduler,
  profile: { scheduler: 'fakebatch' },
  setup: async () => ({ teardown: async () => rmSync(dir, { recursive: true, force: true }) }),
  unsupported: { partition: 'gpu' },
  timeLimit: { time: 2, sleep: 60 },
  arraySize: 8,
});
