// Against a REAL Kubernetes cluster, when CLUSTRIX_KUBECONFIG points at a kubeconfig (see
// docs/schedulers/kubernetes.md, "Testing against a real cluster"). Optional:
//   CLUSTRIX_KUBE_CONTEXT    context to use (default: the kubeconfig's current context)
//   CLUSTRIX_KUBE_NAMESPACE  namespace for the test Jobs (default: the context's, else `default`)
//   CLUSTRIX_KUBE_IMAGE      image with Node >= 20 (default node:20-slim; must be pullable by the nodes)
// The user needs the Role of docs/schedulers/kubernetes.md ("Permissions"): jobs create/list/watch/delete, pods list/watch, pods/log get, secrets create/patch/delete.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, ClustrixError, OutOfMemoryError, configure, map, shutdown, submit } from '@clustrix/core';
import { registerScheduler } from '@clustrix/core/scheduler';
import { scheduler } from '@clustrix/schedulers-kubernetes';
import { connect } from '../src/client.js';
import { readSettings } from '../src/options.js';
import { Lab, QuotaError } from './fixtures/jobs.js';

const kubeconfig = process.env.CLUSTRIX_KUBECONFIG;
const profile: Record<string, unknown> = {
  scheduler: 'kubernetes',
  kubeconfig,
  ...(process.env.CLUSTRIX_KUBE_CONTEXT ? { context: process.env.CLUSTRIX_KUBE_CONTEXT } : {}),
  ...(process.env.CLUSTRIX_KUBE_NAMESPACE ? { namespace: process.env.CLUSTRIX_KUBE_NAMESPACE } : {}),
  ...(process.env.CLUSTRIX_KUBE_IMAGE ? { image: process.env.CLUSTRIX_KUBE_IMAGE } : {}),
  ttlSecondsAfterFinished: 120,
};

// Without a kubeconfig there is no cluster to talk to: the suite is skipped, and says why.
const suite = kubeconfig ? describe : describe.skip;
const title = kubeconfig ? 'kubernetes scheduler on a real cluster' : 'kubernetes scheduler on a real cluster (skipped: set CLUSTRIX_KUBECONFIG to a kubeconfig to run it)';

suite(title, () => {
  let root = '';
  const lab = new Lab('real');

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'clustrix-k8s-real-'));
    registerScheduler(scheduler);
    mkdirSync(join(root, 'etc'), { recursive: true });
    configure(
      { clusters: { k8s: profile, 'k8s-badimage': { ...profile, image: 'registry.invalid/clustrix/node:20' } } } as never,
      { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') },
    );
  });
  afterAll(async () => {
    await shutdown();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('a call returns its value from a pod', async () => {
    await expect(lab.describe(7)).resolves.toMatchObject({ name: 'real', x: 7, scheduler: 'kubernetes' });
  }, 300_000);

  test('a throw comes back as the same class', async () => {
    await expect(lab.refuse(9)).rejects.toBeInstanceOf(QuotaError);
  }, 300_000);

  test('a map of 20 is one Indexed Job with results in order', async () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    await expect(map(items, (i) => lab.square(i), { concurrency: 5 })).resolves.toEqual(items.map((i) => i * i));
  }, 600_000);

  test('OOMKilled is an OutOfMemoryError', async () => {
    await expect(submit(() => lab.hog(), { memory: '256M' }).then((h) => h.result())).rejects.toBeInstanceOf(OutOfMemoryError);
  }, 300_000);

  test('an unpullable image fails in well under a minute', async () => {
    const started = Date.now();
    const err = await submit(() => lab.square(1), { cluster: 'k8s-badimage' }).then((h) => h.result().catch((e: unknown) => e));
    expect(err).toBeInstanceOf(ClustrixError);
    expect((err as Error).message).toMatch(/(ErrImagePull|ImagePullBackOff|InvalidImageName).*`image`/);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 120_000);

  test('cancel deletes the Job', async () => {
    const h = await submit(() => lab.sleep(600_000));
    await h.submitted();
    await h.cancel();
    await expect(h.result()).rejects.toBeInstanceOf(CancelledError);
    const api = await connect(readSettings(profile as never));
    const gone = await api.batch.readNamespacedJob({ name: h.schedulerJobId!, namespace: api.namespace }).then(
      (job) => job.metadata?.deletionTimestamp !== undefined,
      (err: { code?: number }) => err.code === 404,
    );
    expect(gone).toBe(true);
  }, 300_000);
});
