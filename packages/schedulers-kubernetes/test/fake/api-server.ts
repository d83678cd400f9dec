/**
 * FakeKubeApiServer — a FAKE Kubernetes API server for tests (no kube-apiserver, kind or k3s can run
 * on the test machines). It speaks the real JSON of batch/v1 Jobs and core/v1 Pods, ConfigMaps,
 * Secrets and PersistentVolumeClaims over plain HTTP on 127.0.0.1, with bearer-token auth, watch
 * streams and pod logs, so the real @kubernetes/client-node talks to it unchanged. Behind it: a fake
 * Job controller, a fake one-node kube-scheduler, a garbage collector, and a fake kubelet that runs
 * every pod's command as a local process (see kubelet.ts for what is and is not emulated).
 *
 * Every request is recorded in `requests`, so tests can count what a client asked (no polling).
 * Held to the real API (schema.ts): a create or patch whose object the official OpenAPI schemas
 * refuse gets the API server's 422 Invalid; an answer of the fake's own that they refuse is recorded
 * in `drift` and makes `close()` throw, so drift on either side fails the test that saw it.
 * Watches follow the documented semantics (watch.ts): resourceVersion, 410 Gone, bookmarks.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, FakeCluster } from './cluster.js';
import { FakeJobController } from './job-controller.js';
import { FakeKubelet } from './kubelet.js';
import { FakePodScheduler, type FakeNode } from './pod-scheduler.js';
import { sendError } from './answer.js';
import { route, type RouteContext } from './routes.js';
import type { KubeObject } from './store.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  watch: boolean;
  at: number;
}

export interface FakeKubeOptions {
  /** Pod sandboxes and container logs go here. */
  workDir: string;
  namespaces?: string[];
  /** Allocatable resources of the one node. Default: cpu 8, memory 16Gi, no GPUs. */
  allocatable?: Record<string, string>;
  nodeLabels?: Record<string, string>;
  /** Images that cannot be pulled. Default: a registry host ending in `.invalid`. */
  unpullable?: (image: string) => boolean;
  /** ErrImagePull → ImagePullBackOff after this long. Default 1000 ms. */
  pullBackOffMs?: number;
  /** How often the fake kubelet samples a pod's memory. Default 50 ms. */
  memorySampleMs?: number;
  /** How often a watch that allows bookmarks gets a BOOKMARK event. Default 60 s (about the API server's). */
  bookmarkEveryMs?: number;
}

function defaultUnpullable(image: string): boolean {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && /\.invalid(:\d+)?$/.test(first);
}

export class FakeKubeApiServer {
  readonly requests: RecordedRequest[] = [];
  readonly token = randomBytes(16).toString('hex');
  readonly cluster = new FakeCluster();
  readonly kubelet: FakeKubelet;
  private readonly controller: FakeJobController;
  private readonly watches = new Set<() => void>();
  private readonly bookmarks = new Set<() => void>();
  /** Answers of the fake that the official schemas refused (each was sent as a 500 instead). */
  readonly drift: string[] = [];
  private server: Server | undefined;
  url = '';

  private constructor(options: FakeKubeOptions) {
    for (const ns of options.namespaces ?? []) this.cluster.namespaces.add(ns);
    const node: FakeNode = {
      name: 'fake-node-1',
      labels: { 'kubernetes.io/hostname': 'fake-node-1', 'kubernetes.io/os': 'linux', ...(options.nodeLabels ?? {}) },
      allocatable: options.allocatable ?? { cpu: '8', memory: '16Gi', pods: '110' },
    };
    new FakePodScheduler(this.cluster, node);
    this.controller = new FakeJobController(this.cluster);
    this.kubelet = new FakeKubelet(this.cluster, {
      nodeName: node.name,
      workDir: options.workDir,
      unpullable: options.unpullable ?? defaultUnpullable,
      pullBackOffMs: options.pullBackOffMs ?? 1000,
      memorySampleMs: options.memorySampleMs ?? 50,
    });
  }

  static async start(options: FakeKubeOptions): Promise<FakeKubeApiServer> {
    const fake = new FakeKubeApiServer(options);
    const ctx: RouteContext = {
      cluster: fake.cluster,
      kubelet: fake.kubelet,
      watches: fake.watches,
      bookmarks: fake.bookmarks,
      drift: fake.drift,
      bookmarkEveryMs: options.bookmarkEveryMs ?? 60_000,
    };
    fake.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      fake.requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        watch: url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1',
        at: Date.now(),
      });
      if (req.headers.authorization !== `Bearer ${fake.token}`) return sendError(res, new ApiError(401, 'Unauthorized', 'Unauthorized'), fake.drift);
      const verb = fake.forbidden(req.method ?? 'GET', url.pathname);
      if (verb) return sendError(res, new ApiError(403, 'Forbidden', verb), fake.drift);
      route(ctx, req, res, url).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, err, fake.drift);
        else res.end();
      });
    });
    await new Promise<void>((resolve) => fake.server!.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Verbs refused with 403, as RBAC would: `patch configmaps`, `create jobs`... */
  readonly denied = new Set<string>();

  private forbidden(method: string, path: string): string | undefined {
    const m = /\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?(\/log)?$/.exec(path);
    if (!m) return undefined;
    const [, ns, resource, name, log] = m;
    const verb = { GET: name ? 'get' : 'list', POST: 'create', PATCH: 'patch', PUT: 'update', DELETE: 'delete' }[method] ?? method.toLowerCase();
    const what = log ? 'pods/log' : resource!;
    if (!this.denied.has(`${verb} ${what}`)) return undefined;
    const group = resource === 'jobs' ? 'batch' : '';
    return `${what}${name ? ` "${name}"` : ''} is forbidden: User "fake-user" cannot ${verb} resource "${what}" in API group "${group}" in the namespace "${ns}"`;
  }

  /** A kubeconfig for this server (context `fake`, namespace `namespace`). */
  kubeconfig(namespace = 'default', context = 'fake'): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${this.url}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: fake-user',
      '  user:',
      `    token: ${this.token}`,
      'contexts:',
      `- name: ${context}`,
      '  context:',
      '    cluster: fake',
      '    user: fake-user',
      `    namespace: ${namespace}`,
      `current-context: ${context}`,
      '',
    ].join('\n');
  }

  writeKubeconfig(file: string, namespace = 'default', context = 'fake'): string {
    writeFileSync(file, this.kubeconfig(namespace, context), { mode: 0o600 });
    return file;
  }

  /** A Bound PersistentVolumeClaim whose volume is the host folder `hostPath`. */
  addPersistentVolumeClaim(namespace: string, name: string, hostPath: string): void {
    this.cluster.claimPaths.set(`${namespace}/${name}`, hostPath);
    this.cluster.create('persistentvolumeclaims', namespace, {
      metadata: { name },
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } },
    });
  }

  get(resource: string, namespace: string, name: string): KubeObject | undefined {
    return this.cluster.store.get(resource, namespace, name);
  }

  list(resource: string, namespace?: string): KubeObject[] {
    return this.cluster.store.list(resource, namespace);
  }

  /** End every open watch, as an API server restart (or its request timeout) does. */
  dropWatches(): void {
    for (const end of [...this.watches]) end();
  }

  /** Send a BOOKMARK (the store's newest resourceVersion) on every open watch that allows bookmarks. */
  sendBookmarks(): void {
    for (const bookmark of [...this.bookmarks]) bookmark();
  }

  /** Node-pressure eviction of a running pod (status.reason Evicted, DisruptionTarget condition). */
  evictPod(namespace: string, name: string, message = 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi.'): void {
    this.kubelet.evict(namespace, name, message);
  }

  async close(): Promise<void> {
    this.controller.close();
    this.kubelet.close();
    this.dropWatches();
    const server = this.server;
    if (server) {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (this.drift.length) throw new Error(`FakeKubeApiServer drifted from the official Kubernetes schemas:\n${this.drift.join('\n')}`);
  }
}
