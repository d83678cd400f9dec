// Starts a FakeKubeApiServer and points a `k8s` cluster profile (and variants) at it.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure, shutdown } from '@clustrix/core';
import { registerScheduler } from '@clustrix/core/scheduler';
import { scheduler } from '@clustrix/schedulers-kubernetes';
import { connect, type KubeApi } from '../src/client.js';
import { readSettings } from '../src/options.js';
import { FakeKubeApiServer, type KubeObject, type RecordedRequest } from './fake/index.js';

export const NAMESPACE = 'clustrix-test';

export interface FakeCluster {
  fake: FakeKubeApiServer;
  root: string;
  kubeconfig: string;
}

/** Start the fake; `variants` are extra cluster profiles layered over the `k8s` one (given the test's temp folder). */
export async function startFake(variants: (root: string) => Record<string, Record<string, unknown>> = () => ({})): Promise<FakeCluster> {
  const root = mkdtempSync(join(tmpdir(), 'clustrix-k8s-'));
  const fake = await FakeKubeApiServer.start({ workDir: join(root, 'kubelet'), namespaces: [NAMESPACE] });
  registerScheduler(scheduler);
  const kubeconfig = fake.writeKubeconfig(join(root, 'kubeconfig'), NAMESPACE);
  const k8s = { scheduler: 'kubernetes', kubeconfig, context: 'fake' };
  const clusters: Record<string, Record<string, unknown>> = { k8s };
  for (const [name, extra] of Object.entries(variants(root))) clusters[name] = { ...k8s, ...extra };
  mkdirSync(join(root, 'etc'), { recursive: true });
  configure({ clusters } as never, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
  return { fake, root, kubeconfig };
}

export async function stopFake(c: FakeCluster | undefined): Promise<void> {
  await shutdown();
  await c?.fake.close();
  if (c) rmSync(c.root, { recursive: true, force: true });
}

/** Wait (polling the fake's state, not the API) until `cond` holds; fails after `ms`. */
export async function until(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function podsOf(fake: FakeKubeApiServer, jobId: string): KubeObject[] {
  return fake.list('pods', NAMESPACE).filter((p) => p.metadata.labels?.['clustrix.io/job-id'] === jobId);
}

export function phaseOf(pod: KubeObject | undefined): string | undefined {
  return (pod?.status as { phase?: string } | undefined)?.phase;
}

/** A request in words: `GET list jobs`, `GET watch pods`, `POST configmaps`, `GET log`, `DELETE jobs`... */
export function describeRequest(r: RecordedRequest): string {
  const parts = r.path.split('/').filter(Boolean);
  const nsAt = parts.indexOf('namespaces');
  const resource = parts[nsAt + 2] ?? '?';
  const named = parts.length > nsAt + 3;
  if (parts[parts.length - 1] === 'log') return 'GET log';
  if (r.method === 'GET' && !named) return `GET ${r.watch ? 'watch' : 'list'} ${resource}`;
  return `${r.method} ${resource}${named && r.method === 'GET' ? ' (one)' : ''}`;
}

export function tally(requests: readonly RecordedRequest[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of requests) out[describeRequest(r)] = (out[describeRequest(r)] ?? 0) + 1;
  return out;
}

/** A fake API server with namespace `ns` and a client of it (no Clustrix configuration): for tests of the client layer. */
export async function startFakeApi(ns: string, root: string): Promise<{ fake: FakeKubeApiServer; api: KubeApi }> {
  const fake = await FakeKubeApiServer.start({ workDir: join(root, 'kubelet'), namespaces: [ns] });
  const api = await connect(readSettings({ scheduler: 'kubernetes', kubeconfig: fake.writeKubeconfig(join(root, 'kubeconfig'), ns) }));
  return { fake, api };
}

/** Close what startFakeApi started (the fake throws here if it drifted from the schemas) and remove `root`. */
export async function stopFakeApi(fake: FakeKubeApiServer, root: string): Promise<void> {
  await fake.close();
  rmSync(root, { recursive: true, force: true });
}
