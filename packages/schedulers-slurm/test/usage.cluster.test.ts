// What a SLURM job used, on the real testbed (scripts/testbed/slurm.sh): sacct's figures after the job,
// asked once, merged with the runner's own, in the handle and the registry record.
import { afterAll, describe, expect, test } from '@jest/globals';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure, shutdown, submit } from '@clustrix/core';
import { getCluster, getJob } from '@clustrix/core/jobs';
import type { BatchScheduler } from '@clustrix/core/scheduler';
import { SlurmJobs } from './jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-slurm-usage-'));
chmodSync(root, 0o755);
configure(
  { defaultCluster: 'slurm', remoteRoot: join(root, 'remote'), cacheDir: join(root, 'cache'), clusters: { slurm: { scheduler: 'slurm', pollMinMs: 100, pollMaxMs: 1000 } } },
  { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') },
);
afterAll(() => shutdown());

describe('SLURM usage', () => {
  test('a finished job: elapsed, CPU time, peak memory and its CPUs, from sacct (one usage query) and the runner', async () => {
    const h = await submit(() => new SlurmJobs().square(7));
    await expect(h.result()).resolves.toBe(49);
    const used = (await h.usage())!;
    expect(used.source).toMatch(/^slurm/);
    expect(used.elapsedMs).toBeGreaterThan(0);
    expect(used.elapsedMs).toBeLessThan(10 * 60_000);
    expect(used.cpuMs).toBeGreaterThanOrEqual(0);
    expect(used.maxRssBytes).toBeGreaterThan(1024 ** 2); // a Node process: megabytes, not bytes
    expect(used.cpus).toBe(1);
    expect((await getJob(h.id)).usage?.['0']).toEqual(used);
    const scheduler = (await getCluster('slurm')).scheduler as BatchScheduler;
    expect(scheduler.usageQueries.trips).toBeGreaterThanOrEqual(1); // asked again only while the accounting lags
    expect(scheduler.usageQueries.trips).toBeLessThanOrEqual(5);
  }, 120_000);
});
