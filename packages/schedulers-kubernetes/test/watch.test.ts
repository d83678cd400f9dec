// The fake's watch follows the documented semantics, and the scheduler's informer relies on exactly
// those: resourceVersion on list and watch, only the changes after a resourceVersion, 410 Gone →
// relist (nothing lost, nothing twice), and BOOKMARK events to resume from without a relist.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Watch } from '@kubernetes/client-node';
import type { KubeApi } from '../src/client.js';
import { Informer } from '../src/informer.js';
import { FakeKubeApiServer } from './fake/index.js';
import { describeRequest, startFakeApi, stopFakeApi, until } from './helpers.js';

const NS = 'watch';
const root = mkdtempSync(join(tmpdir(), 'clustrix-k8s-watch-'));
let fake: FakeKubeApiServer;
let api: KubeApi;

beforeAll(async () => void ({ fake, api } = await startFakeApi(NS, root)));
afterAll(() => stopFakeApi(fake, root));

type Named = { metadata?: { name?: string; resourceVersion?: string } };
interface Seen {
  type: string;
  name: string;
  rv: number;
  code?: number;
}

const PATH = `/api/v1/namespaces/${NS}/configmaps`;
const selector = (run: string) => `clustrix.io/job-id=${run}`;
const configMap = (name: string, run: string, v = '1') => ({ metadata: { name, labels: { 'clustrix.io/job-id': run } }, data: { v } });
const change = (name: string, v: string) => fake.cluster.store.update('configmaps', NS, name, (o) => void (o.data = { v }));

/** client-node's Watch, recording every event it hands on. */
function recordingWatch(seen: Seen[]): Watch {
  const watch: Watch['watch'] = (path, query, callback, done) =>
    api.watch.watch(path, query, (type: string, obj: Named & { code?: number }) => {
      seen.push({ type, name: obj.metadata?.name ?? '', rv: Number(obj.metadata?.resourceVersion), ...(obj.code !== undefined ? { code: obj.code } : {}) });
      callback(type, obj);
    }, done);
  return { watch } as Watch;
}

function informer(run: string, seen: Seen[], onChange = () => undefined): Informer<Named> {
  return new Informer<Named>({
    kind: 'configmaps',
    path: PATH,
    labelSelector: selector(run),
    list: () => api.core.listNamespacedConfigMap({ namespace: NS, labelSelector: selector(run) }) as never,
    watch: recordingWatch(seen),
    onChange,
  });
}

/** What the store holds for a run: name → resourceVersion. */
function stored(run: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of fake.list('configmaps', NS)) if (o.metadata.labels?.['clustrix.io/job-id'] === run) out[o.metadata.name] = o.metadata.resourceVersion!;
  return out;
}

function held(inf: Informer<Named>): Record<string, string> {
  return Object.fromEntries([...inf.objects].map(([name, o]) => [name, o.metadata!.resourceVersion!]));
}

describe('the fake watch (documented semantics)', () => {
  test('a list carries its resourceVersion; a watch from it gets only the changes after it, in order, once each; no bookmark unasked', async () => {
    fake.cluster.create('configmaps', NS, configMap('a', 'raw'));
    const list = await api.core.listNamespacedConfigMap({ namespace: NS, labelSelector: selector('raw') });
    const from = Number(list.metadata?.resourceVersion);
    expect(from).toBeGreaterThan(0);
    expect(list.items.map((o) => o.metadata?.name)).toEqual(['a']);
    fake.cluster.create('configmaps', NS, configMap('b', 'raw'));
    change('a', '2');
    fake.cluster.delete('configmaps', NS, 'b');
    const seen: Seen[] = [];
    const controller = await recordingWatch(seen).watch(PATH, { labelSelector: selector('raw'), resourceVersion: String(from) }, () => undefined, () => undefined);
    try {
      await until('three events', () => seen.length >= 3);
      fake.sendBookmarks();
      change('a', '3');
      await until('the fourth event', () => seen.length >= 4);
    } finally {
      controller.abort();
    }
    expect(seen.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED b', 'MODIFIED a', 'DELETED b', 'MODIFIED a']);
    expect(seen.every((e) => e.rv > from)).toBe(true);
    expect(seen.map((e) => e.rv)).toEqual([...seen.map((e) => e.rv)].sort((x, y) => x - y));
    expect(new Set(seen.map((e) => e.rv)).size).toBe(seen.length);
  });

  test('a watch from a compacted resourceVersion: an ERROR event with a Status 410 Expired, then the stream ends', async () => {
    fake.cluster.create('configmaps', NS, configMap('old', 'gone'));
    const from = fake.cluster.store.resourceVersion;
    change('old', '2');
    fake.cluster.store.compact();
    const seen: Seen[] = [];
    let ended = false;
    await recordingWatch(seen).watch(PATH, { labelSelector: selector('gone'), resourceVersion: from }, () => undefined, () => void (ended = true));
    await until('the end of the stream', () => ended);
    expect(seen).toEqual([{ type: 'ERROR', name: '', rv: NaN, code: 410 }]);
  });
});

describe('the informer over it', () => {
  test('410 Gone: it relists, and no change is lost or seen twice across it', async () => {
    fake.cluster.create('configmaps', NS, configMap('x1', 'r410'));
    fake.cluster.create('configmaps', NS, configMap('x2', 'r410'));
    const seen: Seen[] = [];
    const before = fake.requests.length;
    const lists = () => fake.requests.slice(before).filter((r) => describeRequest(r) === 'GET list configmaps');
    const inf = informer('r410', seen);
    inf.start();
    try {
      await until('the watch', () => fake.requests.slice(before).some((r) => r.watch));
      fake.cluster.create('configmaps', NS, configMap('x3', 'r410'));
      await until('x3 from the watch', () => inf.objects.has('x3'));
      // Disconnected while these happen, and the history is compacted: the re-watch gets 410.
      fake.dropWatches();
      change('x1', '2');
      fake.cluster.delete('configmaps', NS, 'x2');
      fake.cluster.create('configmaps', NS, configMap('x4', 'r410'));
      fake.cluster.store.compact();
      await until('the relist', () => lists().length === 2, 10_000);
      await until('the watch after the relist', () => fake.requests.slice(before).filter((r) => r.watch).length === 3);
      change('x3', '2');
      await until('x3 changed after the relist', () => held(inf).x3 === stored('r410').x3);
      expect(seen.filter((e) => e.type === 'ERROR')).toEqual([{ type: 'ERROR', name: '', rv: NaN, code: 410 }]);
      expect(held(inf)).toEqual(stored('r410'));
      expect(Object.keys(held(inf)).sort()).toEqual(['x1', 'x3', 'x4']);
      expect(inf.deleted.has('x2')).toBe(true);
      // Events handed on: each change once, in resourceVersion order, none from before the list it followed.
      const events = seen.filter((e) => e.type !== 'ERROR');
      expect(events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED x3', 'MODIFIED x3']);
      expect(events[0]!.rv).toBeLessThan(events[1]!.rv);
      const relistFrom = Number(fake.requests.slice(before).filter((r) => r.watch)[2]!.query.resourceVersion);
      expect(events[1]!.rv).toBeGreaterThan(relistFrom);
    } finally {
      inf.stop();
    }
  }, 30_000);

  test('bookmarks: it resumes from the bookmark resourceVersion, so a compaction costs no relist', async () => {
    fake.cluster.create('configmaps', NS, configMap('mine', 'rbm'));
    const seen: Seen[] = [];
    let changes = 0;
    const before = fake.requests.length;
    const watches = () => fake.requests.slice(before).filter((r) => r.watch);
    const inf = informer('rbm', seen, () => void changes++);
    inf.start();
    try {
      await until('the watch', () => watches().length === 1);
      const listed = Number(watches()[0]!.query.resourceVersion);
      for (let i = 0; i < 5; i++) fake.cluster.create('configmaps', NS, configMap(`other-${i}`, 'not-mine'));
      const changesBefore = changes;
      fake.sendBookmarks();
      await until('the bookmark', () => seen.some((e) => e.type === 'BOOKMARK'));
      const bookmark = seen.find((e) => e.type === 'BOOKMARK')!;
      expect(bookmark.rv).toBe(Number(fake.cluster.store.resourceVersion));
      expect(bookmark.rv).toBeGreaterThan(listed);
      expect(changes).toBe(changesBefore);
      fake.cluster.store.compact();
      expect(fake.cluster.store.since(listed)).toBe('gone'); // without the bookmark, the re-watch would get 410
      fake.dropWatches();
      await until('the re-watch', () => watches().length === 2);
      expect(watches()[1]!.query.resourceVersion).toBe(String(bookmark.rv));
      change('mine', '2');
      await until('the change after the re-watch', () => held(inf).mine === stored('rbm').mine);
      expect(seen.some((e) => e.type === 'ERROR')).toBe(false);
      expect(fake.requests.slice(before).filter((r) => describeRequest(r) === 'GET list configmaps')).toHaveLength(1);
      expect(watches().every((w) => w.query.allowWatchBookmarks === 'true')).toBe(true);
    } finally {
      inf.stop();
    }
  }, 30_000);
});
