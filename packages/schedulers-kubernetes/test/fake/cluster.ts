/**
 * FAKE (test only). The state of the fake cluster behind FakeKubeApiServer: the store, namespaces,
 * the API server's defaulting of Jobs and Pods, deletion with the garbage collector's propagation
 * (Orphan / Background; Foreground is treated as Background), and hooks for the fake kubelet.
 */
import { randomBytes } from 'node:crypto';
import { schemaCauses } from './schema.js';
import { clone, now, ObjectStore, type KubeObject } from './store.js';
import { validate } from './validate.js';

export interface ResourceInfo {
  apiVersion: string;
  kind: string;
}

export const RESOURCES: Record<string, ResourceInfo> = {
  pods: { apiVersion: 'v1', kind: 'Pod' },
  configmaps: { apiVersion: 'v1', kind: 'ConfigMap' },
  secrets: { apiVersion: 'v1', kind: 'Secret' },
  persistentvolumeclaims: { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  jobs: { apiVersion: 'batch/v1', kind: 'Job' },
  events: { apiVersion: 'v1', kind: 'Event' },
};

export type Propagation = 'Orphan' | 'Background' | 'Foreground';

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** What the fake kubelet tells the cluster about graceful pod deletion. */
export interface PodTerminator {
  /** True when the pod has a process (or is starting one) that must be stopped first. */
  holds(pod: KubeObject): boolean;
  /** Stop the pod's process within `graceSeconds`, then remove the pod object. */
  terminate(pod: KubeObject, graceSeconds: number): void;
}

/** The API server's 422 for an object it refuses: a Status with reason Invalid and one cause per problem. */
export function invalid(resource: string, name: string | undefined, causes: string[]): ApiError {
  const kind = RESOURCES[resource]!.kind;
  const details = { name, kind: resource, causes: causes.map((c) => ({ reason: 'FieldValueInvalid', message: c, field: c.split(':')[0] })) };
  return new ApiError(422, 'Invalid', `${kind} "${name ?? ''}" is invalid: ${causes.join(', ')}`, details);
}

export function withKind(resource: string, o: KubeObject): KubeObject {
  const info = RESOURCES[resource]!;
  return { apiVersion: info.apiVersion, kind: info.kind, ...o };
}

function pullPolicy(image: string): string {
  const last = image.split('/').pop() ?? image;
  return !last.includes(':') || last.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

export class FakeCluster {
  readonly store = new ObjectStore();
  readonly namespaces = new Set<string>(['default']);
  /** PVC `${namespace}/${name}` → the host folder the fake kubelet mounts for it. */
  readonly claimPaths = new Map<string, string>();
  terminator: PodTerminator | undefined;

  requireNamespace(ns: string): void {
    if (!this.namespaces.has(ns)) throw new ApiError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
  }

  create(resource: string, ns: string, body: KubeObject): KubeObject {
    this.requireNamespace(ns);
    const o = clone(body);
    o.metadata = { ...(o.metadata ?? {}), namespace: ns } as KubeObject['metadata'];
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = `${o.metadata.generateName}${Math.random().toString(36).slice(2, 7)}`;
    delete o.status;
    const causes = [...validate(resource, o), ...schemaCauses(withKind(resource, o))];
    if (causes.length) throw invalid(resource, o.metadata.name, causes);
    if (this.store.get(resource, ns, o.metadata.name)) {
      throw new ApiError(409, 'AlreadyExists', `${resource} "${o.metadata.name}" already exists`, { name: o.metadata.name, kind: resource });
    }
    const { apiVersion: _a, kind: _k, ...rest } = o;
    return this.store.create(resource, rest as KubeObject, (stored) => {
      if (resource === 'jobs') defaultJob(stored);
      if (resource === 'pods') defaultPod(stored);
      if (resource === 'persistentvolumeclaims') stored.status = { phase: 'Bound' };
    });
  }

  /** A core/v1 Event about `resource`'s object, as a controller or the kubelet records one (`kubectl describe` shows them). */
  recordEvent(resource: string, about: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string): void {
    const ns = about.metadata.namespace ?? 'default';
    const at = now();
    const info = RESOURCES[resource]!;
    this.create('events', ns, {
      metadata: { name: `${about.metadata.name}.${randomBytes(8).toString('hex')}`, namespace: ns },
      involvedObject: { apiVersion: info.apiVersion, kind: info.kind, name: about.metadata.name, namespace: ns, uid: about.metadata.uid, resourceVersion: about.metadata.resourceVersion },
      type,
      reason,
      message,
      source: { component },
      reportingComponent: component,
      reportingInstance: component,
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
    });
  }

  /** DELETE: pods with a running process are deleted gracefully; everything else at once, dependents per `policy`. */
  delete(resource: string, ns: string, name: string, policy?: Propagation, graceSeconds?: number): KubeObject | undefined {
    const cur = this.store.get(resource, ns, name);
    if (!cur) return undefined;
    if (resource === 'pods' && this.terminator?.holds(cur)) {
      if (cur.metadata.deletionTimestamp) return cur;
      const spec = cur.spec as { terminationGracePeriodSeconds?: number };
      const grace = graceSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
      const marked = this.store.update(resource, ns, name, (o) => {
        o.metadata.deletionTimestamp = now();
        o.metadata.deletionGracePeriodSeconds = grace;
      })!;
      this.terminator.terminate(marked, grace);
      return marked;
    }
    const removed = this.store.remove(resource, ns, name);
    if (removed) this.collectDependents(removed, policy ?? (resource === 'jobs' ? 'Orphan' : 'Background'));
    return removed;
  }

  /** The garbage collector: dependents of a deleted owner are deleted, or orphaned. */
  private collectDependents(owner: KubeObject, policy: Propagation): void {
    const ns = owner.metadata.namespace ?? '';
    for (const resource of Object.keys(RESOURCES)) {
      for (const dep of this.store.list(resource, ns)) {
        if (!dep.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid)) continue;
        if (policy === 'Orphan') {
          this.store.update(resource, ns, dep.metadata.name, (o) => {
            o.metadata.ownerReferences = o.metadata.ownerReferences?.filter((r) => r.uid !== owner.metadata.uid);
            if (!o.metadata.ownerReferences?.length) delete o.metadata.ownerReferences;
          });
        } else {
          this.delete(resource, ns, dep.metadata.name, 'Background');
        }
      }
    }
  }
}

/** The API server's Job defaulting (batch/v1 strategy): selector, pod labels, counts, limits. */
function defaultJob(job: KubeObject): void {
  const spec = (job.spec ?? {}) as Record<string, unknown> & { template: { metadata?: { labels?: Record<string, string> } } };
  const uid = job.metadata.uid!;
  const labels = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': job.metadata.name,
    'controller-uid': uid,
    'job-name': job.metadata.name,
  };
  spec.template.metadata = { ...(spec.template.metadata ?? {}), labels: { ...(spec.template.metadata?.labels ?? {}), ...labels } };
  spec.selector ??= { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  spec.completions ??= 1;
  spec.parallelism ??= 1;
  spec.completionMode ??= 'NonIndexed';
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  job.spec = spec;
  job.status = {};
}

/** The API server's Pod defaulting: what a pod read back carries that its manifest did not. */
function defaultPod(pod: KubeObject): void {
  const spec = pod.spec as { containers: Array<Record<string, unknown>>; terminationGracePeriodSeconds?: number; schedulerName?: string; dnsPolicy?: string };
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  spec.dnsPolicy ??= 'ClusterFirst';
  for (const c of spec.containers) {
    c.imagePullPolicy ??= pullPolicy(String(c.image));
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
  }
  const limits = spec.containers.map((c) => (c.resources as { limits?: Record<string, string>; requests?: Record<string, string> } | undefined) ?? {});
  const guaranteed = limits.every((r) => r.limits?.cpu && r.limits?.memory);
  const best = limits.every((r) => !r.limits && !r.requests);
  pod.status = { phase: 'Pending', qosClass: guaranteed ? 'Guaranteed' : best ? 'BestEffort' : 'Burstable' };
}
