// What an SGE job used, on the real testbed (scripts/testbed/sge.sh, over SSH): qacct's figures after
// the job (asked once; an accounting record that lags leaves the runner's), in the handle and the record.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure, shutdown, submit } from '@clustrix/core';
import { getCluster, getJob } from '@clustrix/core/jobs';
import { registerScheduler, type BatchScheduler } from '@clustrix/core/scheduler';
import { testbedSshProfile } from '@clustrix/scheduler-test-suite';
import { scheduler } from '@clustrix/schedulers-sge';
import { SgeJobs } from './jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-sge-usage-'));
beforeAll(() => {
  registerScheduler(scheduler);
  configure(
    { defaultCluster: 'sge', cacheDir: join(root, 'cache'), clusters: { sge: { scheduler: 'sge', ...testbedSshProfile('clustrix') } as never } },
    { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') },
  );
});
afterAll(() => shutdown());

describe('SGE usage', () => {
  test('a finished job: elapsed, CPU time and peak memory, from qacct (one usage query) and the runner', async () => {
    const h = await submit(() => new SgeJobs().sleep(1));
    await h.result();
    const used = (await h.usage())!;
    expect(used.source).toMatch(/^(sge|sge\+runner|runner)$/);
    expect(used.elapsedMs).toBeGreaterThan(0);
    expect(used.elapsedMs).toBeLessThan(10 * 60_000);
    expect(used.cpuMs).toBeGreaterThanOrEqual(0);
    expect(used.maxRssBytes).toBeGreaterThan(1024 ** 2);
    expect((await getJob(h.id)).usage?.['0']).toEqual(used);
    const sge = (await getCluster('sge')).scheduler as BatchScheduler;
    expect(sge.usageQueries.trips).toBeGreaterThanOrEqual(1); // asked again only while qacct lags
    expect(sge.usageQueries.trips).toBeLessThanOrEqual(5);
  }, 120_000);
});
