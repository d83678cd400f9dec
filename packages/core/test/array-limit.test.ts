// A map larger than the cluster's array limit becomes several array jobs: the limit read from the scheduler once
// (a dialect's limits command, here a real shell command on the fake batch system of fixtures/fake-batch-system.ts),
// or set in the profile (`maxArrayItems`, which wins and asks nothing); results, usage and `key` reuse span the parts.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure, map, shutdown } from '@clustrix/core';
import { getCluster, getJob } from '@clustrix/core/jobs';
import { batchSchedulerFactory, registerScheduler } from '@clustrix/core/scheduler';
import { fakeBatchSystem } from './fixtures/fake-batch-system.js';
import { Worker } from './fixtures/jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-array-limit-'));
let limitQueries = 0;

beforeAll(() => {
  registerScheduler(
    batchSchedulerFactory({
      ...fakeBatchSystem(join(root, 'fake'), 'fakelimits'),
      // the site's configuration, as `scontrol show config` would print it
      limitsArgv: () => [['printf', '%s\\n', 'MaxJobCount = 10000', 'MaxArraySize = 3']],
      parseLimits: (outputs) => {
        limitQueries++;
        const size = Number(/^MaxArraySize = (\d+)$/m.exec(outputs[0]!.stdout)![1]);
        return { maxArrayItems: size, source: `printf: MaxArraySize = ${size}` };
      },
    }),
  );
  const common = { remoteRoot: join(root, 'remote'), pollMinMs: 50, pollMaxMs: 200 };
  configure(
    {
      defaultCluster: 'site',
      cacheDir: join(root, 'cache'),
      registryDir: join(root, 'registry'),
      clusters: {
        site: { scheduler: 'fakelimits', ...common } as never,
        capped: { scheduler: 'fakelimits', maxArrayItems: 2, ...common } as never,
        small: { scheduler: 'local', maxArrayItems: 2, concurrency: 2, remoteRoot: join(root, 'local') },
      },
    },
    { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') },
  );
});
afterAll(() => shutdown());

const itemsOf = async (ids: string[]) => Promise.all(ids.map(async (id) => (await getJob(id)).items));

describe('a map over the array limit', () => {
  const w = new Worker('lim');

  test('the limit the scheduler reports splits 7 items into arrays of 3, 3 and 1; results in input order; asked once', async () => {
    const batch = map([0, 1, 2, 3, 4, 5, 6], (i) => w.echo(i));
    expect((await batch).map((r) => r.value)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(await itemsOf(batch.jobs.map((j) => j.id))).toEqual([3, 3, 1]);
    const again = map([7, 8, 9, 10], (i) => w.echo(i));
    expect((await again).map((r) => r.value)).toEqual([7, 8, 9, 10]);
    expect(await itemsOf(again.jobs.map((j) => j.id))).toEqual([3, 1]);
    expect(limitQueries).toBe(1); // once per connection
    expect(await (await getCluster('site')).scheduler.limits!()).toEqual({ maxArrayItems: 3, source: 'printf: MaxArraySize = 3' });
  });

  test('batch.submitted() right after map: every part, submitted, in input order', async () => {
    const batch = map([0, 1, 2, 3, 4], (i) => w.echo(i), { cluster: 'capped' });
    const jobs = await batch.submitted();
    expect(jobs).toHaveLength(3);
    for (const j of jobs) expect(j.schedulerJobId).toBeDefined();
    expect(jobs.map((j) => j.id)).toEqual(batch.jobs.map((j) => j.id));
    await batch;
  });

  test("the profile's maxArrayItems wins over the scheduler's, and asks it nothing", async () => {
    const asked = limitQueries;
    const batch = map([0, 1, 2, 3, 4], (i) => w.echo(i), { cluster: 'capped' });
    expect((await batch).map((r) => r.value)).toEqual([0, 1, 2, 3, 4]);
    expect(await itemsOf(batch.jobs.map((j) => j.id))).toEqual([2, 2, 1]);
    expect(limitQueries).toBe(asked);
  });

  test('usage spans the parts, each item at its input index', async () => {
    const batch = map([0, 1, 2, 3], (i) => w.echo(i), { cluster: 'capped' });
    const used = await batch.usage();
    expect(used).toHaveLength(4);
    for (const u of used) expect(u?.source).toBe('runner');
    expect(used[3]).toEqual(await batch.jobs[1]!.usage(1));
  });

  test('a keyed map run again attaches every part it submitted before, and submits nothing new', async () => {
    const first = map([0, 1, 2, 3, 4], (i) => w.echo(i), { key: 'split-key' });
    await first;
    const ids = first.jobs.map((j) => j.id);
    expect(ids).toHaveLength(2);
    const second = map([0, 1, 2, 3, 4], (i) => w.echo(i), { key: 'split-key' });
    expect((await second).map((r) => r.value)).toEqual([0, 1, 2, 3, 4]);
    expect(second.jobs.map((j) => j.id)).toEqual(ids);
  });

  test('on the local scheduler too (a profile limit)', async () => {
    const batch = map([0, 1, 2], (i) => w.echo(i), { cluster: 'small' });
    expect((await batch).map((r) => r.value)).toEqual([0, 1, 2]);
    expect(await itemsOf(batch.jobs.map((j) => j.id))).toEqual([2, 1]);
  });
});
