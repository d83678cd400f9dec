// A fan-out is ONE Indexed Job: completions = items, parallelism = the concurrency cap, each pod
// reads its item from JOB_COMPLETION_INDEX — against FakeKubeApiServer (real local processes).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { map, TimeLimitError } from '@clustrix/core';
import { Lab, QuotaError } from './fixtures/jobs.js';
import { NAMESPACE, describeRequest, phaseOf, startFake, stopFake, type FakeCluster } from './helpers.js';

let c: FakeCluster;
beforeAll(async () => {
  c = await startFake();
});
afterAll(() => stopFake(c));

const lab = new Lab('mapper');

function jobsCreatedSince(before: number) {
  return c.fake.requests.slice(before).filter((r) => describeRequest(r) === 'POST jobs');
}

describe('kubernetes scheduler: map', () => {
  test('an array of 50 is one Indexed Job; results come back in order', async () => {
    const before = c.fake.requests.length;
    let running = 0;
    let most = 0;
    const seen = new Map<string, string>();
    const unsubscribe = c.fake.cluster.store.subscribe((e) => {
      if (e.resource !== 'pods') return;
      const was = seen.get(e.object.metadata.name);
      const now = e.type === 'DELETED' ? 'Gone' : phaseOf(e.object) ?? 'Pending';
      seen.set(e.object.metadata.name, now);
      if (was !== 'Running' && now === 'Running') running++;
      if (was === 'Running' && now !== 'Running') running--;
      most = Math.max(most, running);
    });
    const items = Array.from({ length: 50 }, (_, i) => i);
    const results = await map(items, (i) => lab.square(i), { concurrency: 10 });
    unsubscribe();
    expect(results).toEqual(items.map((i) => i * i));
    expect(jobsCreatedSince(before)).toHaveLength(1);
    const job = c.fake.list('jobs', NAMESPACE).find((j) => j.metadata.name.startsWith('lab-square-'))!;
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 50, parallelism: 10, backoffLimitPerIndex: 0 });
    expect(job.status).toMatchObject({ succeeded: 50, completedIndexes: '0-49' });
    expect(most).toBeLessThanOrEqual(10);
    expect(most).toBeGreaterThan(1);
    // Each pod got its index from the Job controller, as JOB_COMPLETION_INDEX.
    const pods = c.fake.list('pods', NAMESPACE).filter((p) => p.metadata.ownerReferences?.[0]?.uid === job.metadata.uid);
    expect(new Set(pods.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'])).size).toBe(50);
  }, 120_000);

  test('each item knows its index and the instance', async () => {
    const results = await map([5, 6, 7], (x) => lab.describe(x));
    expect(results.map((r) => [r.x, r.index, r.name])).toEqual([
      [5, 0, 'mapper'],
      [6, 1, 'mapper'],
      [7, 2, 'mapper'],
    ]);
  }, 30_000);

  test('a failing item fails alone: the other indexes still run (backoffLimitPerIndex 0)', async () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const settled = await map(items, (x) => lab.checked(x), { concurrency: 4 }).settled();
    for (const r of settled) {
      if (r.index % 7 === 3) {
        expect(r.status).toBe('rejected');
        expect((r as { reason: unknown }).reason).toBeInstanceOf(QuotaError);
      } else {
        expect(r).toMatchObject({ status: 'fulfilled', value: r.index + 1000 });
      }
    }
    const job = c.fake.list('jobs', NAMESPACE).find((j) => j.metadata.name.startsWith('lab-checked-'))!;
    expect(job.status).toMatchObject({ failedIndexes: '3', completedIndexes: '0-2,4-9' });
    expect((job.status as { conditions: Array<{ type: string; reason: string }> }).conditions).toContainEqual(
      expect.objectContaining({ type: 'Failed', reason: 'FailedIndexes' }),
    );
  }, 60_000);

  test('`time` is each pod\'s activeDeadlineSeconds: late items are TimeLimitErrors, the quick ones succeed', async () => {
    // The late item never ends by itself; the deadline is far beyond what a quick item needs even on a
    // loaded machine (pod start included), so which item is late does not depend on the machine's speed.
    const results = await map([50, 3_600_000, 60], (ms) => lab.sleep(ms), { time: 15 }).settled();
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: 50 });
    expect(results[2]).toMatchObject({ status: 'fulfilled', value: 60 });
    expect((results[1] as { reason: unknown }).reason).toBeInstanceOf(TimeLimitError);
    const job = c.fake.list('jobs', NAMESPACE).find((j) => j.metadata.name.startsWith('lab-sleep-'))!;
    expect((job.spec as { template: { spec: { activeDeadlineSeconds: number } } }).template.spec.activeDeadlineSeconds).toBe(15);
    expect((job.spec as { activeDeadlineSeconds?: number }).activeDeadlineSeconds).toBeUndefined();
  }, 90_000);
});
