/**
 * Connecting to the API server with @kubernetes/client-node (imported lazily: only a kubernetes
 * cluster pays for it). kubeconfig: `inCluster`, else the `kubeconfig` file, else the standard
 * loading rules ($KUBECONFIG, ~/.kube/config, in-cluster); then `context` if given.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BatchV1Api, CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { ConfigError } from '@clustrix/core/scheduler';
import type { KubernetesSettings } from './options.js';

export type K8sModule = typeof import('@kubernetes/client-node');

export interface KubeApi {
  k8s: K8sModule;
  config: KubeConfig;
  batch: BatchV1Api;
  core: CoreV1Api;
  watch: Watch;
  namespace: string;
  /** API server URL. */
  server: string;
  context: string;
}

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

function loadConfig(k8s: K8sModule, settings: KubernetesSettings): { kc: KubeConfig; where: string } {
  const kc = new k8s.KubeConfig();
  let where: string;
  try {
    if (settings.inCluster) {
      where = 'the in-cluster service account';
      if (!process.env.KUBERNETES_SERVICE_HOST) {
        throw new Error('KUBERNETES_SERVICE_HOST is not set: this process does not run in a pod');
      }
      kc.loadFromCluster();
    } else if (settings.kubeconfig) {
      const file = resolve(expandHome(settings.kubeconfig));
      where = `kubeconfig ${file}`;
      if (!existsSync(file)) throw new Error('no such file');
      kc.loadFromFile(file);
    } else {
      const envFiles = process.env.KUBECONFIG?.split(':').filter(Boolean) ?? [];
      const homeConfig = join(homedir(), '.kube', 'config');
      where = envFiles.length ? `$KUBECONFIG (${envFiles.join(':')})` : existsSync(homeConfig) ? `kubeconfig ${homeConfig}` : 'the in-cluster service account';
      if (!envFiles.length && !existsSync(homeConfig) && !process.env.KUBERNETES_SERVICE_HOST) {
        throw new Error('no $KUBECONFIG, no ~/.kube/config, and this process does not run in a pod');
      }
      kc.loadFromDefault();
    }
  } catch (err) {
    throw new ConfigError(
      `cannot load Kubernetes credentials from ${settings.inCluster ? 'the in-cluster service account' : settings.kubeconfig ? `kubeconfig ${settings.kubeconfig}` : 'the default kubeconfig'}: ${(err as Error).message}. ` +
        'Set `kubeconfig` (a file), `context`, or `inCluster: true` in the cluster profile',
      { scope: 'kubernetes', keyPath: settings.inCluster ? 'inCluster' : 'kubeconfig', cause: err },
    );
  }
  return { kc, where };
}

export async function connect(settings: KubernetesSettings): Promise<KubeApi> {
  const k8s = await import('@kubernetes/client-node');
  const { kc, where } = loadConfig(k8s, settings);
  if (settings.context) {
    if (!kc.getContextObject(settings.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new ConfigError(`${where} has no context '${settings.context}'; its contexts: ${known.join(', ') || 'none'}. Fix \`context\``, {
        scope: 'kubernetes',
        keyPath: 'context',
      });
    }
    kc.setCurrentContext(settings.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new ConfigError(`${where} has no current cluster (context '${kc.getCurrentContext()}'); set \`context\` to one of: ${kc.getContexts().map((c) => c.name).join(', ')}`, {
      scope: 'kubernetes',
      keyPath: 'context',
    });
  }
  let saNamespace: string | undefined;
  if (settings.inCluster) {
    try {
      saNamespace = readFileSync(SA_NAMESPACE, 'utf8').trim() || undefined;
    } catch {
      /* not mounted */
    }
  }
  const namespace = settings.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? saNamespace ?? 'default';
  return {
    k8s,
    config: kc,
    batch: kc.makeApiClient(k8s.BatchV1Api),
    core: kc.makeApiClient(k8s.CoreV1Api),
    watch: new k8s.Watch(kc),
    namespace,
    server: cluster.server,
    context: kc.getCurrentContext(),
  };
}

/** The HTTP status of a failed API call, if it is one. */
export function statusCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown };
  return typeof e?.code === 'number' ? e.code : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
}

/** What the API server said (its Status message), or the error's own message. Never includes credentials. */
export function apiMessage(err: unknown): string {
  const e = err as { body?: unknown; message?: string; code?: unknown };
  let body = e?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      /* plain text */
    }
  }
  const status = body as { message?: string } | undefined;
  if (status && typeof status === 'object' && typeof status.message === 'string') return status.message;
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 500);
  const full = e?.message ?? String(err);
  const api = /^HTTP-Code: (\d+)\s*\nMessage: ([^\n]*)/.exec(full);
  if (api) return `${api[2]} (HTTP ${api[1]})`;
  const message = full.split('\n')[0]!;
  const cause = (err as { cause?: { code?: string } })?.cause?.code;
  return cause && !message.includes(cause) ? `${message} (${cause})` : message;
}
