// The usage path of a batch scheduler end to end, on the fake batch system of fixtures/fake-batch-system.ts
// (real job folders, real runner, a dialect whose usage command is a real shell command): the figures its
// accounting gives are merged with the runner's, per array task, with ONE usage query per ended job.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure, map, shutdown, submit } from '@clustrix/core';
import { getCluster, getJob } from '@clustrix/core/jobs';
import { batchSchedulerFactory, registerScheduler, type BatchScheduler, type UsageReport } from '@clustrix/core/scheduler';
import { fakeBatchSystem } from './fixtures/fake-batch-system.js';
import { Worker } from './fixtures/jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-usage-batch-'));
const asked: string[][] = [];

beforeAll(() => {
  registerScheduler(
    batchSchedulerFactory({
      ...fakeBatchSystem(join(root, 'fake'), 'fakeacct'),
      // the "accounting": echo the ids back; each says 0 ms elapsed (a coarse clock), task t used 1000 + t ms of CPU on 2 CPUs
      usageArgv: (ids) => [['echo', ...ids]],
      parseUsage: (outputs, ids) => {
        asked.push([...ids]);
        const reports = new Map<string, UsageReport>();
        for (const id of outputs[0]!.stdout.trim().split(/\s+/)) {
          const figures = (t: number) => ({ elapsedMs: 0, cpuMs: 1000 + t, cpus: 2, source: 'fakeacct' });
          reports.set(id, { job: figures(0), tasks: new Map([0, 1, 2].map((t) => [t, figures(t)])) });
        }
        return reports;
      },
    }),
  );
  configure(
    { defaultCluster: 'acct', cacheDir: join(root, 'cache'), clusters: { acct: { scheduler: 'fakeacct', remoteRoot: join(root, 'remote'), pollMinMs: 50, pollMaxMs: 200 } as never } },
    { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') },
  );
});
afterAll(() => shutdown());

describe('usage from a batch scheduler', () => {
  const w = new Worker('b');

  test("a single job: the scheduler's figures, the runner's where the scheduler's clock said 0", async () => {
    const h = await submit(() => w.echo(1));
    await h.result();
    const used = (await h.usage())!;
    expect(used).toMatchObject({ cpuMs: 1000, cpus: 2, source: 'fakeacct+runner' });
    expect(used.elapsedMs).toBeGreaterThan(0);
    expect(used.maxRssBytes).toBeGreaterThan(0);
    expect(asked).toContainEqual([h.schedulerJobId]);
  });

  test('an array: each item gets its own task figures, from ONE usage query', async () => {
    const scheduler = (await getCluster('acct')).scheduler as BatchScheduler;
    const before = scheduler.usageQueries.trips;
    const batch = map([0, 1, 2], (i) => w.echo(i));
    await batch;
    const items = await Promise.all([0, 1, 2].map((i) => batch.jobs[0]!.usage(i))); // written after the results
    expect(scheduler.usageQueries.trips - before).toBe(1);
    const record = await getJob(batch.jobs[0]!.id);
    expect([0, 1, 2].map((i) => record.usage?.[String(i)]?.cpuMs)).toEqual([1000, 1001, 1002]);
    expect(items.map((u) => u?.source)).toEqual(['fakeacct+runner', 'fakeacct+runner', 'fakeacct+runner']);
  });
});
