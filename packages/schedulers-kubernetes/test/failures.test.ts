// How pods fail, reported by name and fast: OOMKilled, image pulls, deadlines, eviction,
// Unschedulable, cancel — against FakeKubeApiServer (a fake API server, real local processes).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  CancelledError,
  ClustrixError,
  JobFailedError,
  NodeFailError,
  OutOfMemoryError,
  TimeLimitError,
  submit,
  withOptions,
  type JobStatus,
} from '@clustrix/core';
import { Lab } from './fixtures/jobs.js';
import { NAMESPACE, describeRequest, phaseOf, podsOf, startFake, stopFake, until, type FakeCluster } from './helpers.js';

let c: FakeCluster;
beforeAll(async () => {
  c = await startFake(() => ({ 'k8s-badimage': { image: 'registry.invalid/clustrix/node:20' } }));
});
afterAll(() => stopFake(c));

const lab = new Lab('failing');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('kubernetes scheduler: failures', () => {
  test('a pod over its memory limit is OOMKilled: an OutOfMemoryError', async () => {
    const h = await submit(() => lab.hog(), { memory: '200M' });
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect((err as OutOfMemoryError).schedulerState).toBe('OOMKilled');
    expect((err as Error).message).toMatch(/ran out of memory \(OOMKilled\): OOMKilled: the container used more than its memory limit of 200Mi\. Raise `memory`/);
    const [pod] = podsOf(c.fake, h.id);
    const container = (pod!.spec as { containers: Array<{ resources: unknown }> }).containers[0]!;
    expect(container.resources).toEqual({ requests: { memory: '200Mi' }, limits: { memory: '200Mi' } });
  }, 30_000);

  test('an image that cannot be pulled fails in seconds, names the image, and deletes what it created', async () => {
    const started = Date.now();
    const h = await submit(() => lab.square(2), { cluster: 'k8s-badimage' });
    const err = await h.result().catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(ClustrixError);
    expect((err as Error).message).toMatch(/ErrImagePull: failed to pull and unpack image "registry\.invalid\/clustrix\/node:20".*Check the `image` option/);
    expect((err as ClustrixError).schedulerState).toBe('ErrImagePull');
    expect(elapsed).toBeLessThan(10_000); // generous bound; the job's deadline would be far later
    // Deleted before the error was reported.
    expect(c.fake.get('jobs', NAMESPACE, h.schedulerJobId!)).toBeUndefined();
    expect(c.fake.get('configmaps', NAMESPACE, `${h.schedulerJobId}-payload`)).toBeUndefined();
    await until('its pod to be gone', () => podsOf(c.fake, h.id).length === 0);
  }, 20_000);

  test('cancel deletes the Job with its pods, and the process is gone', async () => {
    const ac = new AbortController();
    const h = await submit(() => lab.sleep(60_000), { signal: ac.signal });
    await until('the pod to run', () => phaseOf(podsOf(c.fake, h.id)[0]) === 'Running');
    const pids = c.fake.kubelet.pids();
    expect(pids.length).toBeGreaterThan(0);
    const before = c.fake.requests.length;
    ac.abort();
    await expect(h.result()).rejects.toBeInstanceOf(CancelledError);
    const deletes = c.fake.requests.slice(before).filter((r) => describeRequest(r) === 'DELETE jobs');
    expect(deletes).toHaveLength(1);
    expect(deletes[0]!.path).toBe(`/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${h.schedulerJobId}`);
    expect(deletes[0]!.query.propagationPolicy).toBe('Background');
    expect(c.fake.get('jobs', NAMESPACE, h.schedulerJobId!)).toBeUndefined();
    await until('the pod to be deleted', () => podsOf(c.fake, h.id).length === 0);
    await until('the process to exit', () => pids.every((p) => !alive(p)));
  }, 20_000);

  test('`time` becomes activeDeadlineSeconds: DeadlineExceeded is a TimeLimitError', async () => {
    const h = await submit(() => lab.sleep(60_000), { time: 2 });
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeLimitError);
    expect((err as TimeLimitError).schedulerState).toBe('DeadlineExceeded');
    expect((err as Error).message).toMatch(/exceeded its time limit of 2 \(DeadlineExceeded\): DeadlineExceeded: Job was active longer than specified deadline/);
    expect((c.fake.get('jobs', NAMESPACE, h.schedulerJobId!)!.spec as { activeDeadlineSeconds: number }).activeDeadlineSeconds).toBe(2);
  }, 20_000);

  test('an evicted pod is a NodeFailError with the kubelet message', async () => {
    const h = await submit(() => lab.sleep(60_000));
    await until('the pod to run', () => phaseOf(podsOf(c.fake, h.id)[0]) === 'Running');
    c.fake.evictPod(NAMESPACE, podsOf(c.fake, h.id)[0]!.metadata.name);
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeFailError);
    expect((err as Error).message).toMatch(/\(Evicted\): Evicted: The node was low on resource: memory/);
  }, 20_000);

  test('an unschedulable pod is pending with the scheduler message, until cancelled', async () => {
    const h = await submit(() => lab.square(3), { cpus: 64 });
    let status: JobStatus | { state: string } = { state: 'preparing' };
    await until('the status to say Unschedulable', () => {
      void h.status().then((s) => (status = s));
      return (status as JobStatus).schedulerState === 'Unschedulable';
    });
    expect(status).toMatchObject({ state: 'pending', reason: expect.stringMatching(/^Unschedulable: 0\/1 nodes are available: 1 Insufficient cpu\./) });
    await h.cancel();
    await expect(h.result()).rejects.toBeInstanceOf(CancelledError);
  }, 20_000);

  test('an image without the configured node cannot start the command: the error says what to check', async () => {
    const err = await withOptions({ nodePath: '/opt/no-such-node/bin/node' }, () => lab.square(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect((err as JobFailedError).exitCode).toBe(128);
    expect((err as Error).message).toMatch(/\(StartError\): StartError: .*no-such-node.*\. The image must have Node >= 20 on its PATH: check `image` and `nodePath`/);
  }, 20_000);

  test('a typed GPU without gpuTypeLabel is refused before anything is created', async () => {
    const before = c.fake.requests.length;
    const err = await withOptions({ gpus: 'a100:2' }, () => lab.square(1)).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/gpus 'a100:2' names a GPU type, but the cluster profile has no `gpuTypeLabel`/);
    expect(c.fake.requests.slice(before)).toEqual([]);
  });
});
