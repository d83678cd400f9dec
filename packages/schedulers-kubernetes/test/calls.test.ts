// Single calls through the real @kubernetes/client-node against FakeKubeApiServer (a fake API
// server whose fake kubelet runs each pod as a real local process).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { JobFailedError, SubmitError, submit, withOptions } from '@clustrix/core';
import { Lab, QuotaError } from './fixtures/jobs.js';
import { NAMESPACE, describeRequest, startFake, stopFake, tally, type FakeCluster } from './helpers.js';

let c: FakeCluster;
beforeAll(async () => {
  c = await startFake((root) => ({
    'k8s-volume': { payloadVolume: { claimName: 'clustrix-data', localPath: join(root, 'volume') } },
    'k8s-configmap': { payloadKind: 'configmap' },
  }));
});
afterAll(() => stopFake(c));

const lab = new Lab('lab-1');

describe('kubernetes scheduler: a call', () => {
  test('runs in a pod of its own Job and returns its value', async () => {
    const h = await submit(() => lab.describe(3));
    const r = await h.result();
    expect(r).toMatchObject({ name: 'lab-1', x: 3, scheduler: 'kubernetes' });
    expect(r.index).toBeUndefined();
    const job = c.fake.get('jobs', NAMESPACE, h.schedulerJobId!)!;
    const spec = job.spec as Record<string, unknown> & { template: { spec: { containers: Array<{ image: string }> } } };
    expect(spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 0, completionMode: 'NonIndexed', ttlSecondsAfterFinished: 600 });
    expect(spec.template.spec.containers[0]!.image).toBe('node:20-slim');
    expect(h.schedulerJobId).toMatch(/^lab-describe-\d{8}-\d{6}-[0-9a-f]{8}$/);
    expect(job.metadata.labels).toMatchObject({ 'clustrix.io/job-id': h.id, 'app.kubernetes.io/managed-by': 'clustrix' });
    // The payload (bundle, instance, arguments) is a Secret by default, owned by the Job: deleting the Job (or its TTL) deletes it too.
    expect(c.fake.get('configmaps', NAMESPACE, `${h.schedulerJobId}-payload`)).toBeUndefined();
    const payload = c.fake.get('secrets', NAMESPACE, `${h.schedulerJobId}-payload`)!;
    expect(payload.type).toBe('Opaque');
    expect(payload.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', name: h.schedulerJobId, uid: job.metadata.uid })]);
  });

  test('a thrown error comes back with its class, message and fields', async () => {
    const err = await lab.refuse(5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaError);
    expect((err as QuotaError).message).toBe('quota of 5 exceeded');
    expect((err as QuotaError).limit).toBe(5);
    expect((err as Error).stack).toContain('[clustrix] thrown in job');
  });

  test('process.exit(3) is a JobFailedError with the exit code', async () => {
    const err = await lab.exit(3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect((err as JobFailedError).exitCode).toBe(3);
    expect((err as JobFailedError).scope).toBe('kubernetes');
  });

  test('env travels in a Secret, never in a ConfigMap or the Job', async () => {
    const secret = 's3cr3t-value-1234';
    const h = await submit(() => lab.describe(1), { env: { LAB_SECRET: secret } });
    await expect(h.result()).resolves.toMatchObject({ env: secret });
    expect(c.fake.get('secrets', NAMESPACE, `${h.schedulerJobId}-payload`)).toBeDefined();
    expect(c.fake.get('configmaps', NAMESPACE, `${h.schedulerJobId}-payload`)).toBeUndefined();
    for (const cm of c.fake.list('configmaps', NAMESPACE)) expect(JSON.stringify(cm)).not.toContain(secret);
    expect(JSON.stringify(c.fake.get('jobs', NAMESPACE, h.schedulerJobId!))).not.toContain(secret);
  });

  test("ConfigMaps only by opting in (payloadKind: 'configmap'), and never for a job with env", async () => {
    const plain = await submit(() => lab.describe(2), { cluster: 'k8s-configmap' });
    await expect(plain.result()).resolves.toMatchObject({ x: 2 });
    expect(c.fake.get('configmaps', NAMESPACE, `${plain.schedulerJobId}-payload`)).toBeDefined();
    expect(c.fake.get('secrets', NAMESPACE, `${plain.schedulerJobId}-payload`)).toBeUndefined();
    const withEnv = await submit(() => lab.describe(2), { cluster: 'k8s-configmap', env: { LAB_SECRET: 'opt-in-but-secret' } });
    await expect(withEnv.result()).resolves.toMatchObject({ env: 'opt-in-but-secret' });
    expect(c.fake.get('secrets', NAMESPACE, `${withEnv.schedulerJobId}-payload`)).toBeDefined();
    expect(c.fake.get('configmaps', NAMESPACE, `${withEnv.schedulerJobId}-payload`)).toBeUndefined();
  });

  test('output that looks like frames does not confuse the result', async () => {
    await expect(lab.chatty(200)).resolves.toBe(200);
  });

  test('a result larger than a ConfigMap comes back through the pod log, checked', async () => {
    const before = c.fake.requests.length;
    const value = await lab.big(3_000_000);
    expect(value.length).toBe(3_000_000);
    expect(value).toBe(await localBig(3_000_000));
    const logs = c.fake.requests.slice(before).filter((r) => describeRequest(r) === 'GET log');
    expect(logs.map((r) => Number(r.query.tailLines))).toEqual([64, expect.any(Number)]);
    expect(Number(logs[1]!.query.tailLines)).toBeGreaterThan(64);
  }, 30_000);

  test('state comes from watches: no polling requests while the job runs', async () => {
    const before = c.fake.requests.length;
    await expect(lab.sleep(3000)).resolves.toBe(3000);
    const during = c.fake.requests.slice(before);
    expect(tally(during)).toEqual({
      'POST secrets': 1,
      'POST jobs': 1,
      'PATCH secrets': 1,
      'GET list jobs': 1,
      'GET list pods': 1,
      'GET watch jobs': 1,
      'GET watch pods': 1,
      'GET log': 1,
    });
    const watches = during.filter((r) => r.watch);
    for (const w of watches) expect(w.query.labelSelector).toMatch(/^clustrix\.io\/job-id=\d{8}-\d{6}-[0-9a-f]{8}$/);
  }, 20_000);
});

describe('kubernetes scheduler: payloads over the ConfigMap limit', () => {
  const big = 'x'.repeat(1_100_000);

  test('fail before anything is created, naming payloadVolume', async () => {
    const before = c.fake.requests.length;
    const err = await lab.length(big).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubmitError);
    expect((err as Error).message).toMatch(/payload is 1\.\d\d MiB .* holds at most 1 MiB\. Nothing was created\. Set `payloadVolume/);
    expect(c.fake.requests.slice(before)).toEqual([]);
  });

  test('run through a payload volume mounted here and in the pods', async () => {
    const volume = join(c.root, 'volume');
    mkdirSync(volume);
    c.fake.addPersistentVolumeClaim(NAMESPACE, 'clustrix-data', volume);
    const h = await submit(() => lab.length(big), { cluster: 'k8s-volume' });
    await expect(h.result()).resolves.toBe(1_100_000);
    const payload = c.fake.get('secrets', NAMESPACE, `${h.schedulerJobId}-payload`)!;
    expect(JSON.stringify(payload).length).toBeLessThan(64 * 1024);
    const pod = c.fake.list('pods', NAMESPACE).find((p) => p.metadata.labels?.['clustrix.io/job-id'] === h.id)!;
    expect(JSON.stringify(pod.spec)).toContain('"claimName":"clustrix-data"');
  }, 30_000);
});

/** The same string Lab.big builds, computed here. */
async function localBig(bytes: number): Promise<string> {
  let s = '';
  let seed = 7;
  while (s.length < bytes) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    s += seed.toString(36);
  }
  return s.slice(0, bytes);
}
