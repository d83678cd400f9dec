// What an OpenPBS job used, on the real server of scripts/testbed/openpbs.sh (over SSH): the job
// history's resources_used after the job (asked once), merged with the runner's own figures.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure, shutdown, submit } from '@clustrix/core';
import { getCluster, getJob } from '@clustrix/core/jobs';
import { registerScheduler, type BatchScheduler } from '@clustrix/core/scheduler';
import { openpbsProfile } from '@clustrix/scheduler-test-suite';
import { scheduler } from '@clustrix/schedulers-pbs';
import { PbsJobs } from './jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-openpbs-usage-'));
chmodSync(root, 0o755);
beforeAll(() => {
  registerScheduler(scheduler);
  configure(
    { defaultCluster: 'openpbs', cacheDir: join(root, 'cache'), clusters: { openpbs: openpbsProfile({ pollMinMs: 100, pollMaxMs: 1000 }) as never } },
    { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') },
  );
});
afterAll(() => shutdown());

describe('OpenPBS usage', () => {
  test('a finished job: walltime, cput, mem and ncpus from qstat -f -x (asked until qstat shows it finished), the runner filling in', async () => {
    const h = await submit(() => new PbsJobs().item(3));
    await h.result();
    const used = (await h.usage())!;
    expect(used.source).toMatch(/^pbs/);
    expect(used.elapsedMs).toBeGreaterThan(0);
    expect(used.elapsedMs).toBeLessThan(10 * 60_000);
    expect(used.cpuMs).toBeGreaterThanOrEqual(0);
    expect(used.maxRssBytes).toBeGreaterThan(1024 ** 2);
    expect(used.cpus).toBe(1);
    expect((await getJob(h.id)).usage?.['0']).toEqual(used);
    const pbs = (await getCluster('openpbs')).scheduler as BatchScheduler;
    expect(pbs.usageQueries.trips).toBeGreaterThanOrEqual(1); // asked again while qstat still showed the job running
    expect(pbs.usageQueries.trips).toBeLessThanOrEqual(5);
  }, 120_000);
});
