// What each pod used, from its status: podUsage/runUsage on pod shapes as the API server sends them, then a
// call and a map against FakeKubeApiServer (a fake API server whose fake kubelet runs each pod as a real local
// process and records its container's terminated startedAt/finishedAt as a kubelet does).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { map, submit } from '@clustrix/core';
import { podUsage, runUsage } from '../src/pod-usage.js';
import type { PodLike } from '../src/pod-state.js';
import { Lab } from './fixtures/jobs.js';
import { startFake, stopFake, type FakeCluster } from './helpers.js';

const GPU = 'nvidia.com/gpu';

function pod(index: number | undefined, started: string, finished: string | undefined, limits: Record<string, string> = {}): PodLike {
  return {
    metadata: { name: `p${index ?? ''}-${started}`, ...(index === undefined ? {} : { annotations: { 'batch.kubernetes.io/job-completion-index': String(index) } }) },
    spec: { containers: [{ name: 'runner', resources: { limits } }] },
    status: {
      phase: finished ? 'Succeeded' : 'Running',
      containerStatuses: [{ name: 'runner', state: finished ? { terminated: { exitCode: 0, startedAt: started, finishedAt: finished } } : { running: { startedAt: started } } }],
    },
  };
}

describe('a pod status → what it used', () => {
  test('wall time from the container start to its end, CPUs and GPUs from whole limits', () => {
    expect(podUsage(pod(undefined, '2026-12-01T10:00:00Z', '2026-12-01T10:01:30Z', { cpu: '4', [GPU]: '2', memory: '1Gi' }), GPU)).toEqual({
      elapsedMs: 90_000,
      cpus: 4,
      gpus: 2,
      source: 'kubernetes',
      finishedAt: Date.parse('2026-12-01T10:01:30Z'),
    });
    // a fraction of a CPU is not a CPU count; "2000m" is 2
    expect(podUsage(pod(undefined, '2026-12-01T10:00:00Z', '2026-12-01T10:00:01Z', { cpu: '500m' }), GPU)).not.toHaveProperty('cpus');
    expect(podUsage(pod(undefined, '2026-12-01T10:00:00Z', '2026-12-01T10:00:01Z', { cpu: '2000m' }), GPU)?.cpus).toBe(2);
  });

  test('a pod still running has no figures; a run reports the last ended pod of each index', () => {
    expect(podUsage(pod(0, '2026-12-01T10:00:00Z', undefined), GPU)).toBeUndefined();
    const report = runUsage(
      [pod(0, '2026-12-01T10:00:00Z', '2026-12-01T10:00:05Z'), pod(0, '2026-12-01T10:00:06Z', '2026-12-01T10:00:08Z'), pod(1, '2026-12-01T10:00:00Z', '2026-12-01T10:00:03Z'), pod(2, '2026-12-01T10:00:00Z', undefined)],
      true,
      GPU,
    );
    expect(report?.job).toBeUndefined();
    expect([...report!.tasks!]).toEqual([
      [0, { elapsedMs: 2000, source: 'kubernetes' }], // the retried index: its second pod
      [1, { elapsedMs: 3000, source: 'kubernetes' }],
    ]);
    expect(runUsage([pod(undefined, '2026-12-01T10:00:00Z', '2026-12-01T10:00:04Z')], false, GPU)).toEqual({ job: { elapsedMs: 4000, source: 'kubernetes' } });
    expect(runUsage([pod(undefined, '2026-12-01T10:00:00Z', undefined)], false, GPU)).toBeUndefined();
  });
});

describe('kubernetes scheduler: usage of ended jobs', () => {
  let c: FakeCluster;
  beforeAll(async () => {
    c = await startFake();
  });
  afterAll(() => stopFake(c));
  const lab = new Lab('usage');

  test("a call: the pod's CPUs from its limits, with the runner's CPU time and peak memory", async () => {
    const h = await submit(() => lab.square(3), { cpus: 1 });
    expect(await h.result()).toBe(9);
    const used = (await h.usage())!;
    expect(used.source).toBe('kubernetes+runner');
    expect(used.cpus).toBe(1);
    expect(used.maxRssBytes).toBeGreaterThan(0);
    expect(used.elapsedMs).toBeGreaterThan(0);
  });

  test('a map (an Indexed Job): each item has the figures of its own pod', async () => {
    const batch = map([1, 2, 3], (x) => lab.square(x), { cpus: 2 });
    expect(await batch).toEqual([1, 4, 9]);
    const used = await batch.usage();
    expect(used.map((u) => [u?.source, u?.cpus])).toEqual([
      ['kubernetes+runner', 2],
      ['kubernetes+runner', 2],
      ['kubernetes+runner', 2],
    ]);
  });
});
