// The informer over the real client-node Watch, against FakeKubeApiServer: list once, watch from
// the list's resourceVersion, re-watch (not re-list) when the server ends a watch, re-list on 410.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeApi } from '../src/client.js';
import { Informer } from '../src/informer.js';
import { FakeKubeApiServer } from './fake/index.js';
import { describeRequest, startFakeApi, stopFakeApi, until } from './helpers.js';

const NS = 'inf';
const root = mkdtempSync(join(tmpdir(), 'clustrix-k8s-informer-'));
let fake: FakeKubeApiServer;
let api: KubeApi;

beforeAll(async () => void ({ fake, api } = await startFakeApi(NS, root)));
afterAll(() => stopFakeApi(fake, root));

function configMap(name: string, run = 'r1') {
  return { metadata: { name, labels: { 'clustrix.io/job-id': run } }, data: { k: name } };
}

type Named = { metadata?: { name?: string; resourceVersion?: string } };

describe('Informer', () => {
  test('lists once, then follows the watch; re-watches from its resourceVersion; re-lists after 410 Gone', async () => {
    fake.cluster.create('configmaps', NS, configMap('a'));
    fake.cluster.create('configmaps', NS, configMap('other', 'r2'));
    let changes = 0;
    const before = fake.requests.length;
    const inf = new Informer<Named>({
      kind: 'configmaps',
      path: `/api/v1/namespaces/${NS}/configmaps`,
      labelSelector: 'clustrix.io/job-id=r1',
      list: () => api.core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'clustrix.io/job-id=r1' }) as never,
      watch: api.watch,
      onChange: () => changes++,
    });
    const names = () => [...inf.objects.keys()].sort();
    const mine = () => fake.requests.slice(before).map(describeRequest);
    inf.start();
    try {
      await until('the first list', () => inf.synced);
      expect(names()).toEqual(['a']);
      await until('the watch', () => mine().includes('GET watch configmaps'));
      fake.cluster.create('configmaps', NS, configMap('b'));
      await until('b from the watch', () => inf.objects.has('b'));
      expect(changes).toBeGreaterThanOrEqual(2);

      // The server ends the watch (its timeout, a restart): the informer watches again from where it was.
      fake.dropWatches();
      fake.cluster.create('configmaps', NS, configMap('c'));
      await until('c after the re-watch', () => inf.objects.has('c'));
      expect(mine().filter((r) => r === 'GET list configmaps')).toHaveLength(1);
      expect(mine().filter((r) => r === 'GET watch configmaps')).toHaveLength(2);

      // History compacted while disconnected: 410 Gone, then one new list, which also notices deletions.
      fake.dropWatches();
      fake.cluster.delete('configmaps', NS, 'a');
      fake.cluster.store.compact();
      await until('the re-list after 410', () => mine().filter((r) => r === 'GET list configmaps').length === 2, 10_000);
      await until('a to be gone', () => !inf.objects.has('a'));
      expect(names()).toEqual(['b', 'c']);
      expect(inf.deleted.has('a')).toBe(true);
      const watches = fake.requests.slice(before).filter((r) => r.watch);
      for (const w of watches) expect(w.query).toMatchObject({ labelSelector: 'clustrix.io/job-id=r1', allowWatchBookmarks: 'true' });
    } finally {
      inf.stop();
    }
  }, 30_000);

  test('stop() closes the watch and makes no further request', async () => {
    const inf = new Informer<Named>({
      kind: 'configmaps',
      path: `/api/v1/namespaces/${NS}/configmaps`,
      labelSelector: 'clustrix.io/job-id=r3',
      list: () => api.core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'clustrix.io/job-id=r3' }) as never,
      watch: api.watch,
      onChange: () => undefined,
    });
    const before = fake.requests.length;
    inf.start();
    await until('the watch', () => fake.requests.slice(before).some((r) => r.watch));
    inf.stop();
    const after = fake.requests.length;
    fake.dropWatches();
    await new Promise((r) => setTimeout(r, 1500));
    expect(fake.requests.length).toBe(after);
  });
});
