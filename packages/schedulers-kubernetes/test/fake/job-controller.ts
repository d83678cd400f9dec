/**
 * FAKE (test only). The Job controller, reduced to what batch/v1 Jobs promise: pods from the
 * template up to `parallelism`; Indexed Jobs with the completion-index annotation, label and
 * JOB_COMPLETION_INDEX env; backoffLimit, backoffLimitPerIndex (failedIndexes, FailedIndexes),
 * activeDeadlineSeconds (DeadlineExceeded), the FailureTarget → Failed and SuccessCriteriaMet →
 * Complete conditions, and ttlSecondsAfterFinished. Event-driven: it reacts to store events.
 */
import type { FakeCluster } from './cluster.js';
import { clone, now, type KubeObject, type StoreEvent } from './store.js';

const INDEX_KEY = 'batch.kubernetes.io/job-completion-index';

interface JobSpec {
  completions: number;
  parallelism: number;
  completionMode: 'Indexed' | 'NonIndexed';
  backoffLimit: number;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: Record<string, unknown> };
}

interface Condition {
  type: string;
  status: 'True';
  reason: string;
  message: string;
  lastProbeTime: string;
  lastTransitionTime: string;
}

interface JobStatus {
  startTime?: string;
  completionTime?: string;
  active?: number;
  ready?: number;
  terminating?: number;
  succeeded?: number;
  failed?: number;
  completedIndexes?: string;
  failedIndexes?: string;
  conditions?: Condition[];
  uncountedTerminatedPods?: Record<string, never>;
}

/** "0-3,5,7-8" */
export function compressIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function phase(pod: KubeObject): string {
  return ((pod.status as { phase?: string } | undefined)?.phase) ?? 'Pending';
}

function indexOf(pod: KubeObject): number {
  return Number(pod.metadata.annotations?.[INDEX_KEY] ?? 0);
}

function condition(type: string, reason: string, message: string): Condition {
  const t = now();
  return { type, status: 'True', reason, message, lastProbeTime: t, lastTransitionTime: t };
}

export class FakeJobController {
  /** Pod outcomes per Job uid, kept after the pods are gone (the real controller's tracking finalizers). */
  private readonly outcomes = new Map<string, Map<string, { index: number; ok: boolean }>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly expired = new Set<string>();
  private readonly queued = new Set<string>();
  private closed = false;

  constructor(private readonly cluster: FakeCluster) {
    cluster.store.subscribe((e) => this.onEvent(e));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private onEvent(e: StoreEvent): void {
    const ns = e.object.metadata.namespace ?? '';
    if (e.resource === 'jobs') {
      if (e.type === 'DELETED') this.forget(e.object.metadata.uid!);
      else this.enqueue(ns, e.object.metadata.name);
      return;
    }
    if (e.resource !== 'pods') return;
    const owner = e.object.metadata.ownerReferences?.find((r) => r.kind === 'Job' && r.controller);
    if (!owner) return;
    const seen = this.outcomes.get(owner.uid) ?? new Map<string, { index: number; ok: boolean }>();
    this.outcomes.set(owner.uid, seen);
    const p = phase(e.object);
    if (p === 'Succeeded' || p === 'Failed') seen.set(e.object.metadata.uid!, { index: indexOf(e.object), ok: p === 'Succeeded' });
    else if (e.type === 'DELETED' && !seen.has(e.object.metadata.uid!)) seen.set(e.object.metadata.uid!, { index: indexOf(e.object), ok: false });
    this.enqueue(ns, owner.name);
  }

  private forget(uid: string): void {
    this.outcomes.delete(uid);
    this.expired.delete(uid);
    for (const key of [`deadline/${uid}`, `ttl/${uid}`]) {
      clearTimeout(this.timers.get(key));
      this.timers.delete(key);
    }
  }

  private enqueue(ns: string, name: string): void {
    const key = `${ns}/${name}`;
    if (this.closed || this.queued.has(key)) return;
    this.queued.add(key);
    setImmediate(() => {
      this.queued.delete(key);
      if (!this.closed) this.reconcile(ns, name);
    });
  }

  private timer(key: string, ms: number, fn: () => void): void {
    if (this.timers.has(key) || this.closed) return;
    this.timers.set(key, setTimeout(fn, Math.max(0, ms)));
  }

  private reconcile(ns: string, name: string): void {
    const store = this.cluster.store;
    const job = store.get('jobs', ns, name);
    if (!job) return;
    const uid = job.metadata.uid!;
    const spec = job.spec as JobSpec;
    const status = (job.status ?? {}) as JobStatus;
    const pods = store.list('pods', ns).filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === uid));
    const running = pods.filter((p) => phase(p) !== 'Succeeded' && phase(p) !== 'Failed');
    const active = running.filter((p) => !p.metadata.deletionTimestamp);
    const terminating = running.filter((p) => p.metadata.deletionTimestamp);
    const outcomes = [...(this.outcomes.get(uid)?.values() ?? [])];
    const conds = status.conditions ?? [];
    const failureTarget = conds.find((c) => c.type === 'FailureTarget');
    const successCriteria = conds.find((c) => c.type === 'SuccessCriteriaMet');
    if (conds.some((c) => c.type === 'Failed' || c.type === 'Complete')) return this.scheduleTtl(job);

    const startTime = status.startTime ?? now();
    if (spec.activeDeadlineSeconds !== undefined) {
      const due = new Date(startTime).getTime() + spec.activeDeadlineSeconds * 1000 - Date.now();
      this.timer(`deadline/${uid}`, due, () => {
        this.expired.add(uid);
        this.enqueue(ns, name);
      });
    }
    const indexed = spec.completionMode === 'Indexed';
    const succeededIdx = new Set(outcomes.filter((o) => o.ok).map((o) => o.index));
    const failuresByIdx = new Map<number, number>();
    for (const o of outcomes) if (!o.ok) failuresByIdx.set(o.index, (failuresByIdx.get(o.index) ?? 0) + 1);
    const failedIdx = new Set<number>();
    if (indexed && spec.backoffLimitPerIndex !== undefined) {
      for (const [i, n] of failuresByIdx) if (n > spec.backoffLimitPerIndex && !succeededIdx.has(i)) failedIdx.add(i);
    }
    const failures = outcomes.filter((o) => !o.ok).length;
    const succeeded = indexed ? succeededIdx.size : outcomes.filter((o) => o.ok).length;

    let failure = failureTarget ? { reason: failureTarget.reason, message: failureTarget.message } : undefined;
    if (!failure && this.expired.has(uid)) failure = { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    if (!failure && (!indexed || spec.backoffLimitPerIndex === undefined) && failures > spec.backoffLimit) {
      failure = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    }
    if (!failure && spec.maxFailedIndexes !== undefined && failedIdx.size > spec.maxFailedIndexes) {
      failure = { reason: 'MaxFailedIndexesExceeded', message: 'Job has exceeded the specified maximal number of failed indexes' };
    }
    const resolved = indexed ? succeededIdx.size + failedIdx.size >= spec.completions : succeeded >= spec.completions;
    if (!failure && resolved && failedIdx.size > 0 && active.length === 0) failure = { reason: 'FailedIndexes', message: 'Job has failed indexes' };
    const success = !failure && (successCriteria !== undefined || (resolved && failedIdx.size === 0));

    const next: JobStatus = {
      ...status,
      startTime,
      active: active.length,
      ready: active.filter((p) => phase(p) === 'Running').length,
      terminating: terminating.length,
      succeeded,
      failed: failures,
      uncountedTerminatedPods: {},
      ...(indexed ? { completedIndexes: compressIndexes(succeededIdx) } : {}),
      ...(indexed && spec.backoffLimitPerIndex !== undefined ? { failedIndexes: compressIndexes(failedIdx) } : {}),
    };
    if (failure || success) {
      for (const p of active) this.cluster.delete('pods', ns, p.metadata.name);
      const target = failure ? condition('FailureTarget', failure.reason, failure.message) : condition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods');
      const conditions = failureTarget || successCriteria ? conds : [...conds, target];
      const stillRunning = active.length + terminating.length > 0;
      if (!stillRunning) {
        conditions.push(failure ? condition('Failed', failure.reason, failure.message) : condition('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods'));
        if (!failure) next.completionTime = now();
      }
      next.conditions = conditions;
    } else {
      this.createPods(job, spec, active, succeededIdx, failedIdx, succeeded);
    }
    store.update('jobs', ns, name, (o) => {
      o.status = next;
    });
  }

  private createPods(job: KubeObject, spec: JobSpec, active: KubeObject[], succeededIdx: Set<number>, failedIdx: Set<number>, succeeded: number): void {
    let room = spec.parallelism - active.length;
    if (spec.completionMode === 'Indexed') {
      const busy = new Set(active.map(indexOf));
      for (let i = 0; i < spec.completions && room > 0; i++) {
        if (succeededIdx.has(i) || failedIdx.has(i) || busy.has(i)) continue;
        this.createPod(job, spec, i);
        room--;
      }
    } else {
      room = Math.min(room, spec.completions - succeeded - active.length);
      for (; room > 0; room--) this.createPod(job, spec, undefined);
    }
  }

  private createPod(job: KubeObject, spec: JobSpec, index: number | undefined): void {
    const name = job.metadata.name;
    const tpl = clone(spec.template);
    const podSpec = tpl.spec as { containers: Array<{ env?: unknown[] }>; hostname?: string };
    const labels = { ...(tpl.metadata?.labels ?? {}), ...(index !== undefined ? { [INDEX_KEY]: String(index) } : {}) };
    const annotations = { ...(tpl.metadata?.annotations ?? {}), ...(index !== undefined ? { [INDEX_KEY]: String(index) } : {}) };
    if (index !== undefined) {
      podSpec.hostname = `${name}-${index}`;
      for (const c of podSpec.containers) {
        c.env = [...(c.env ?? []), { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${INDEX_KEY}']` } } }];
      }
    }
    const pod = this.cluster.create('pods', job.metadata.namespace!, {
      metadata: {
        name: '',
        generateName: index !== undefined ? `${name}-${index}-` : `${name}-`,
        labels,
        annotations,
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: job.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec: podSpec,
    });
    this.cluster.recordEvent('jobs', job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'job-controller');
  }

  private scheduleTtl(job: KubeObject): void {
    const ttl = (job.spec as JobSpec).ttlSecondsAfterFinished;
    if (ttl === undefined) return;
    const ns = job.metadata.namespace!;
    this.timer(`ttl/${job.metadata.uid}`, ttl * 1000, () => this.cluster.delete('jobs', ns, job.metadata.name, 'Background'));
  }
}
