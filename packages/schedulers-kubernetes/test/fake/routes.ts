/**
 * FAKE (test only). The REST surface of FakeKubeApiServer, in the real JSON:
 *
 *   /api/v1/namespaces/{ns}/{pods|configmaps|secrets|persistentvolumeclaims|events}[/{name}]
 *   /api/v1/namespaces/{ns}/pods/{name}/log?container=&tailLines=&limitBytes=
 *   /apis/batch/v1/namespaces/{ns}/jobs[/{name}]
 *
 * GET (list, get, `?watch=true` streams of {"type","object"} lines from `resourceVersion`), POST,
 * PATCH (json-patch, merge-patch; strategic-merge handled as merge), DELETE (propagationPolicy,
 * gracePeriodSeconds). Errors are metav1.Status objects with code, reason and message.
 * Every JSON answer and watch event is checked against the official schemas first (schema.ts): one
 * that fails is recorded in `drift` and answered with a 500, so the fake's own drift fails a test.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, RESOURCES, invalid, withKind, type FakeCluster, type Propagation } from './cluster.js';
import { sendChecked, sendJson, status } from './answer.js';
import type { FakeKubelet } from './kubelet.js';
import { deleteOptionsCauses, schemaCauses } from './schema.js';
import { parseLabelSelector } from './selectors.js';
import { clone, type KubeObject } from './store.js';
import { validate } from './validate.js';
import { watch } from './watch.js';

export interface RouteContext {
  cluster: FakeCluster;
  kubelet: FakeKubelet;
  /** How to end each open watch (the server's timeout, a restart, close()). */
  watches: Set<() => void>;
  /** Open watches that asked for bookmarks: send one now. */
  bookmarks: Set<() => void>;
  /** What the fake answered that the official schemas refuse (must stay empty). */
  drift: string[];
  /** How often a watch that allows bookmarks gets one. */
  bookmarkEveryMs: number;
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'BadRequest', `the body of the request was in an unknown format - accepted media types include: application/json`);
  }
}

function listKind(resource: string): string {
  return `${RESOURCES[resource]!.kind}List`;
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function jsonPatch(target: KubeObject, ops: Array<{ op: string; path: string; value?: unknown }>): KubeObject {
  const doc = clone(target) as unknown as Record<string, unknown>;
  for (const { op, path, value } of ops) {
    const keys = path.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop()!;
    let parent: Record<string, unknown> | unknown[] = doc;
    for (const k of keys) {
      const next = (parent as Record<string, unknown>)[k];
      if (next === undefined || next === null || typeof next !== 'object') throw new ApiError(422, 'Invalid', `jsonpatch ${op} operation does not apply: doc is missing path: ${path}`);
      parent = next as Record<string, unknown>;
    }
    if (op === 'add' || op === 'replace') {
      if (Array.isArray(parent)) {
        if (last === '-') parent.push(value);
        else parent.splice(Number(last), op === 'add' ? 0 : 1, value);
      } else parent[last] = value;
    } else if (op === 'remove') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else throw new ApiError(422, 'Invalid', `unsupported json patch op ${op}`);
  }
  return doc as unknown as KubeObject;
}

export async function route(ctx: RouteContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { cluster } = ctx;
  const m =
    /^\/api\/v1\/namespaces\/([^/]+)\/(pods|configmaps|secrets|persistentvolumeclaims|events)(?:\/([^/]+)(\/log)?)?$/.exec(url.pathname) ??
    /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/(jobs)(?:\/([^/]+))?()$/.exec(url.pathname);
  if (!m) {
    if (url.pathname === '/version') return sendJson(res, 200, { major: '1', minor: '33', gitVersion: 'v1.33.0-fake' });
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  const [, ns, resource, name, log] = m as unknown as [string, string, string, string | undefined, string | undefined];
  const q = url.searchParams;
  const method = req.method ?? 'GET';
  const notFound = () => new ApiError(404, 'NotFound', `${resource}${RESOURCES[resource]!.apiVersion.startsWith('batch') ? '.batch' : ''} "${name}" not found`, { name, kind: resource });
  if (!name) {
    if (method === 'GET' && (q.get('watch') === 'true' || q.get('watch') === '1')) return watch(ctx, req, res, resource, ns, q);
    if (method === 'GET') {
      const matches = parseLabelSelector(q.get('labelSelector'));
      const field = /^metadata\.name=(.+)$/.exec(q.get('fieldSelector') ?? '');
      const items = cluster.store.list(resource, ns).filter((o) => matches(o.metadata.labels) && (!field || o.metadata.name === field[1]));
      const list = { kind: listKind(resource), apiVersion: RESOURCES[resource]!.apiVersion, metadata: { resourceVersion: cluster.store.resourceVersion }, items };
      return sendChecked(res, 200, list, ctx.drift);
    }
    if (method === 'POST') return sendChecked(res, 201, withKind(resource, cluster.create(resource, ns, (await body(req)) as KubeObject)), ctx.drift);
    throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
  }
  if (log) {
    if (method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const pod = cluster.store.get('pods', ns, name);
    if (!pod) throw notFound();
    const tail = q.get('tailLines');
    const limit = q.get('limitBytes');
    const text = ctx.kubelet.logs(pod, tail === null ? undefined : Number(tail), limit === null ? undefined : Number(limit));
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
    return void res.end(text);
  }
  if (method === 'GET') {
    const o = cluster.store.get(resource, ns, name);
    if (!o) throw notFound();
    return sendChecked(res, 200, withKind(resource, o), ctx.drift);
  }
  if (method === 'PATCH') {
    const patch = await body(req);
    const type = String(req.headers['content-type'] ?? '').split(';')[0];
    const cur = cluster.store.get(resource, ns, name);
    if (!cur) throw notFound();
    const next = type === 'application/json-patch+json' ? jsonPatch(cur, patch as never) : (mergePatch(cur, patch) as KubeObject);
    if ((cur as { immutable?: boolean }).immutable && (JSON.stringify(next.data) !== JSON.stringify(cur.data) || JSON.stringify(next.binaryData) !== JSON.stringify(cur.binaryData))) {
      throw new ApiError(422, 'Invalid', `${RESOURCES[resource]!.kind} "${name}" is invalid: data: Forbidden: field is immutable when \`immutable\` is set`);
    }
    const causes = [...validate(resource, next), ...schemaCauses(withKind(resource, next))];
    if (causes.length) throw invalid(resource, name, causes);
    const updated = cluster.store.update(resource, ns, name, (o) => {
      for (const k of Object.keys(o)) delete (o as Record<string, unknown>)[k];
      Object.assign(o, next, { metadata: { ...next.metadata, uid: cur.metadata.uid, resourceVersion: cur.metadata.resourceVersion } });
    });
    return sendChecked(res, 200, withKind(resource, updated!), ctx.drift);
  }
  if (method === 'DELETE') {
    const opts = ((await body(req)) ?? {}) as { propagationPolicy?: Propagation; gracePeriodSeconds?: number };
    const refused = deleteOptionsCauses(opts);
    if (refused.decode.length) throw new ApiError(400, 'BadRequest', `error decoding DeleteOptions: ${refused.decode.join(', ')}`);
    if (refused.invalid.length) throw new ApiError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: ${refused.invalid.join(', ')}`, { group: 'meta.k8s.io', kind: 'DeleteOptions' });
    const policy = (q.get('propagationPolicy') as Propagation | null) ?? opts.propagationPolicy;
    const grace = q.get('gracePeriodSeconds') ?? opts.gracePeriodSeconds;
    const deleted = cluster.delete(resource, ns, name, policy, grace === undefined || grace === null ? undefined : Number(grace));
    if (!deleted) throw notFound();
    if (resource === 'pods') return sendChecked(res, 200, withKind(resource, deleted), ctx.drift);
    return sendChecked(res, 200, status(200, '', '', { name, group: resource === 'jobs' ? 'batch' : '', kind: resource, uid: deleted.metadata.uid }), ctx.drift);
  }
  throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}
