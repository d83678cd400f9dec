// Bad profiles, kubeconfigs and API answers become clear errors, before anything is created.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, SubmitError, configure, shutdown, withOptions } from '@clustrix/core';
import { registerScheduler } from '@clustrix/core/scheduler';
import { scheduler } from '@clustrix/schedulers-kubernetes';
import { connect } from '../src/client.js';
import { readSettings } from '../src/options.js';
import { FakeKubeApiServer } from './fake/index.js';
import { Lab } from './fixtures/jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-k8s-config-'));
let fake: FakeKubeApiServer;
let kubeconfig: string;
const lab = new Lab('config');

beforeAll(async () => {
  fake = await FakeKubeApiServer.start({ workDir: join(root, 'kubelet'), namespaces: ['clustrix-test'] });
  kubeconfig = fake.writeKubeconfig(join(root, 'kubeconfig'), 'clustrix-test');
  registerScheduler(scheduler);
  mkdirSync(join(root, 'etc'));
});
afterAll(async () => {
  await shutdown();
  await fake.close();
  rmSync(root, { recursive: true, force: true });
});

/** Run lab.square(2) on a one-off profile; returns what it threw. */
async function failWith(profile: Record<string, unknown>): Promise<unknown> {
  configure({ clusters: { k8s: { scheduler: 'kubernetes', ...profile } } } as never, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
  return withOptions({ cluster: 'k8s' }, () => lab.square(2)).then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
}

describe('profile checks (before any request)', () => {
  test('a bad label value names the key path and what is expected', async () => {
    const before = fake.requests.length;
    const err = await failWith({ kubeconfig, labels: { team: 'Physics Dept' } });
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/clusters\.k8s\.labels\.team: "Physics Dept" is not a valid label value/);
    expect(fake.requests.length).toBe(before);
  });

  test('an unknown key lists the valid ones', async () => {
    const err = await failWith({ kubeconfig, imagee: 'node:20' });
    expect((err as Error).message).toMatch(/clusters\.k8s\.imagee: unknown key 'imagee'.*valid keys: .*\bimage\b.*\bnamespace\b/);
  });

  test('a tolerations entry with an unknown effect is refused', async () => {
    const err = await failWith({ kubeconfig, tolerations: [{ key: 'gpu', effect: 'NoRun' }] });
    expect((err as Error).message).toMatch(/clusters\.k8s\.tolerations\[0\]\.effect/);
  });
});

describe('kubeconfig loading', () => {
  test('a missing kubeconfig file says which and what to set', async () => {
    const err = await failWith({ kubeconfig: join(root, 'nope.yaml') });
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/cannot load Kubernetes credentials from kubeconfig .*nope\.yaml: no such file\. Set `kubeconfig`/);
  });

  test('an unknown context lists the contexts', async () => {
    const err = await failWith({ kubeconfig, context: 'prod' });
    expect((err as Error).message).toMatch(/has no context 'prod'; its contexts: fake\. Fix `context`/);
  });

  test('the namespace comes from the context unless the profile sets one', async () => {
    const fromContext = await connect(readSettings({ scheduler: 'kubernetes', kubeconfig }));
    expect(fromContext).toMatchObject({ namespace: 'clustrix-test', context: 'fake', server: fake.url });
    const explicit = await connect(readSettings({ scheduler: 'kubernetes', kubeconfig, namespace: 'other' }));
    expect(explicit.namespace).toBe('other');
  });

  test('the standard loading rules read $KUBECONFIG', async () => {
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = kubeconfig;
    try {
      expect((await connect(readSettings({ scheduler: 'kubernetes' }))).server).toBe(fake.url);
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  test('inCluster outside a pod is a clear error', async () => {
    const err = await failWith({ inCluster: true });
    expect((err as Error).message).toMatch(/in-cluster service account: KUBERNETES_SERVICE_HOST is not set/);
  });
});

describe('API answers', () => {
  test('a missing namespace is a SubmitError that says to set `namespace`', async () => {
    const err = await failWith({ kubeconfig, namespace: 'nope' });
    expect(err).toBeInstanceOf(SubmitError);
    expect((err as Error).message).toMatch(/in namespace 'nope' .*namespaces "nope" not found\. Does the namespace 'nope' exist\? Set `namespace`/);
  });

  test('refused credentials: the token never appears in the error', async () => {
    const bad = join(root, 'bad-token');
    writeFileSync(bad, fake.kubeconfig('clustrix-test').replace(fake.token, 'not-the-token'));
    const err = await failWith({ kubeconfig: bad });
    expect((err as Error).message).toMatch(/: Unauthorized \(HTTP 401\)\. The credentials were refused/);
    expect((err as Error).message).not.toContain('not-the-token');
  });

  test('RBAC refusing Jobs: a SubmitError that lists the permissions, and the payload created first is deleted', async () => {
    fake.denied.add('create jobs');
    try {
      const err = await failWith({ kubeconfig });
      expect(err).toBeInstanceOf(SubmitError);
      expect((err as Error).message).toMatch(
        /cannot create the Job .*: jobs is forbidden: User "fake-user" cannot create resource "jobs" in API group "batch" .*Grant this user, in 'clustrix-test' \(an RBAC Role\): jobs \(batch\): create, list, watch, delete; pods: list, watch; pods\/log: get; secrets .*: create, patch, delete/,
      );
      expect(fake.list('secrets', 'clustrix-test').filter((c) => c.metadata.name.includes((err as SubmitError).jobId!))).toEqual([]);
    } finally {
      fake.denied.delete('create jobs');
    }
  });

  test('when the payload cannot be given an owner, the run deletes it itself at the end', async () => {
    fake.denied.add('patch secrets');
    try {
      configure({ clusters: { k8s: { scheduler: 'kubernetes', kubeconfig } } } as never, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
      const before = fake.requests.length;
      await expect(lab.square(7)).resolves.toBe(49);
      const created = fake.requests.slice(before).find((r) => r.method === 'POST' && r.path.endsWith('/secrets'));
      expect(created).toBeDefined();
      const deadline = Date.now() + 5000;
      let left = fake.list('secrets', 'clustrix-test').filter((c) => c.metadata.labels?.['clustrix.io/job-id'] && !c.metadata.ownerReferences);
      while (left.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
        left = fake.list('secrets', 'clustrix-test').filter((c) => c.metadata.labels?.['clustrix.io/job-id'] && !c.metadata.ownerReferences);
      }
      expect(left).toEqual([]);
    } finally {
      fake.denied.delete('patch secrets');
    }
  }, 20_000);

  test('RBAC refusing the watch of pods ends the run at once, saying which permission, and deletes the Job', async () => {
    fake.denied.add('list pods');
    try {
      const before = fake.requests.length;
      const err = await failWith({ kubeconfig });
      expect((err as Error).message).toMatch(/cannot list and watch the run's pods in namespace 'clustrix-test': pods is forbidden: .*Grant list and watch on jobs and pods/);
      const deleted = fake.requests.slice(before).filter((r) => r.method === 'DELETE' && r.path.includes('/jobs/'));
      expect(deleted).toHaveLength(1);
    } finally {
      fake.denied.delete('list pods');
    }
  });

  test('an unreachable API server is a SubmitError naming the server', async () => {
    const dead = join(root, 'dead');
    writeFileSync(dead, fake.kubeconfig('clustrix-test').replace(fake.url, 'http://127.0.0.1:9'));
    const err = await failWith({ kubeconfig: dead });
    expect(err).toBeInstanceOf(SubmitError);
    expect((err as Error).message).toMatch(/on http:\/\/127\.0\.0\.1:9: .*ECONNREFUSED.*Is the API server reachable/);
  });
});
