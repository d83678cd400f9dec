/**
 * FAKE (test only). A watch of FakeKubeApiServer, with the documented semantics
 * (https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes):
 *   - no `resourceVersion`, or "0": the current objects as synthetic ADDED events, then every change;
 *   - `resourceVersion=N`: only the changes after N (exclusive), in order, none twice;
 *   - N older than the kept history (etcd compacted): one ERROR event carrying a Status with code 410
 *     and reason Expired, then the stream ends: the client must list again;
 *   - `allowWatchBookmarks=true`: BOOKMARK events whose object is of the watched kind and carries only
 *     `metadata.resourceVersion` (the store's newest), so a client can resume from there even when
 *     nothing it watches changed; sent every `bookmarkEveryMs` and whenever a test asks (`bookmarks`);
 *   - `timeoutSeconds`: the stream ends then (default 1800 s, the server's own limit).
 * Every event line passes the official schemas first (schema.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RESOURCES, withKind } from './cluster.js';
import { eventLine, status } from './answer.js';
import type { RouteContext } from './routes.js';
import { parseLabelSelector } from './selectors.js';
import type { KubeObject } from './store.js';

const DEFAULT_WATCH_SECONDS = 1800;

export function watch(ctx: RouteContext, req: IncomingMessage, res: ServerResponse, resource: string, ns: string, q: URLSearchParams): void {
  const matches = parseLabelSelector(q.get('labelSelector'));
  const rv = q.get('resourceVersion');
  const store = ctx.cluster.store;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  const write = (type: string, object: unknown) => {
    const line = eventLine(type, object, ctx.drift);
    if (line) res.write(line);
  };
  const send = (type: string, object: KubeObject) => write(type, withKind(resource, object));
  const wanted = (o: KubeObject) => o.metadata.namespace === ns && matches(o.metadata.labels);
  const info = RESOURCES[resource]!;
  const bookmark = () => write('BOOKMARK', { apiVersion: info.apiVersion, kind: info.kind, metadata: { resourceVersion: store.resourceVersion } });
  const bookmarks = q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';
  let unsubscribe = () => {};
  let timer: NodeJS.Timeout | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const end = () => {
    unsubscribe();
    clearTimeout(timer);
    clearInterval(ticker);
    ctx.watches.delete(end);
    ctx.bookmarks.delete(bookmark);
    res.end();
  };
  ctx.watches.add(end);
  if (!rv || rv === '0') {
    for (const o of store.list(resource, ns)) if (wanted(o)) send('ADDED', o);
  } else {
    const events = store.since(Number(rv));
    if (events === 'gone') {
      write('ERROR', status(410, 'Expired', `too old resource version: ${rv} (${store.resourceVersion})`));
      return end();
    }
    for (const e of events) if (e.resource === resource && wanted(e.object)) send(e.type, e.object);
  }
  unsubscribe = store.subscribe((e) => {
    if (e.resource === resource && wanted(e.object)) send(e.type, e.object);
  });
  if (bookmarks) {
    ctx.bookmarks.add(bookmark);
    ticker = setInterval(bookmark, ctx.bookmarkEveryMs);
    ticker.unref();
  }
  const seconds = Number(q.get('timeoutSeconds') ?? DEFAULT_WATCH_SECONDS);
  timer = setTimeout(end, seconds * 1000);
  req.on('close', end);
}
