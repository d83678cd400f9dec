/**
 * One run (a call's Job, or a map's Indexed Job) as this process sees it: a watch on its Job and one
 * on its pods (label selector `clustrix.io/job-id=<id>`), the logs of ended pods read back, and
 * the status computed from all that. A fatal pod state (an image that cannot be pulled) ends the
 * run at once and deletes what was created. Once the run is over its watches stop.
 */
import { isTerminal, TransportError, type JobStatus, type TaskStatus, type UsageReport } from '@clustrix/core/scheduler';
import { apiMessage, statusCode, type KubeApi } from './client.js';
import { harvestPod } from './harvest.js';
import { Informer } from './informer.js';
import { logger } from './log.js';
import { runSelector } from './manifest.js';
import type { PayloadKind } from './payload.js';
import { podIndex, type JobLike, type PodLike } from './pod-state.js';
import { runUsage } from './pod-usage.js';
import { computeRun, type HarvestResult } from './run-status.js';
import type { KubeTransport } from './transport.js';

const log = logger('run');
/** After the Job ends, how long its pods' last states may lag behind it on their own watch. */
const SETTLE_AFTER_END_MS = 2000;

export interface RunInfo {
  jobId: string;
  jobDir: string;
  namespace: string;
  jobName: string;
  payloadName: string;
  payloadKind: PayloadKind;
  nonce: string;
  /** The Job owns the payload object (else the run deletes it when it ends). */
  payloadOwned: boolean;
  count?: number;
}

export interface RunDeps {
  api: KubeApi;
  transport: KubeTransport;
  /** Runs `fn` when a log-reading slot is free. */
  limit<T>(fn: () => Promise<T>): Promise<T>;
  /** Something changed: wake the watcher. */
  changed(): void;
}

type Named = { metadata?: { name?: string; resourceVersion?: string } };

export class RunWatch {
  private readonly jobs: Informer<JobLike & Named>;
  private readonly pods: Informer<PodLike & Named>;
  private readonly harvests = new Map<string, HarvestResult>();
  private readonly harvesting = new Set<string>();
  private readonly settled = new Map<number, TaskStatus>();
  private cancelled = false;
  private fatal: TaskStatus | undefined;
  private deleting: Promise<unknown> | undefined;
  private current: JobStatus = { state: 'pending', schedulerState: 'Submitted' };
  private key = '';
  private stopped = false;
  private settleAfterEnd = false;
  /** After a fatal state: the Job and payload deletion has been done. */
  private cleanedUp = false;
  private endTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly info: RunInfo,
    private readonly deps: RunDeps,
  ) {
    const { api } = deps;
    const ns = info.namespace;
    const labelSelector = runSelector(info.jobId);
    const onChange = () => this.update();
    const onError = (what: string) => (err: unknown) => this.watchFailed(what, err);
    this.jobs = new Informer({
      kind: 'jobs',
      path: `/apis/batch/v1/namespaces/${ns}/jobs`,
      labelSelector,
      list: () => api.batch.listNamespacedJob({ namespace: ns, labelSelector }) as never,
      watch: api.watch,
      onChange,
      onError: onError('jobs'),
    });
    this.pods = new Informer({
      kind: 'pods',
      path: `/api/v1/namespaces/${ns}/pods`,
      labelSelector,
      list: () => api.core.listNamespacedPod({ namespace: ns, labelSelector }) as never,
      watch: api.watch,
      onChange,
      onError: onError('pods'),
    });
  }

  start(): void {
    this.jobs.start();
    this.pods.start();
  }

  status(): JobStatus {
    return this.current;
  }

  /** What its ended pods used, from their status (see pod-usage.ts). */
  usage(gpuResource: string): UsageReport | undefined {
    return runUsage(this.pods.objects.values(), this.info.count !== undefined, gpuResource);
  }

  get done(): boolean {
    return isTerminal(this.current.state);
  }

  /** Delete the Job with its pods; the run reads as cancelled once the API server took the deletion. */
  async cancel(): Promise<void> {
    if (this.done) return;
    const failure = await this.deleteAll();
    if (failure) {
      throw new TransportError(`cannot cancel job ${this.info.jobId}: deleting Job ${this.info.namespace}/${this.info.jobName} failed: ${apiMessage(failure)}`, {
        scope: 'kubernetes',
        jobId: this.info.jobId,
        schedulerJobId: this.info.jobName,
        cause: failure,
      });
    }
    this.cancelled = true;
    this.update();
  }

  stop(): void {
    this.stopped = true;
    if (this.endTimer) clearTimeout(this.endTimer);
    this.jobs.stop();
    this.pods.stop();
  }

  /**
   * Delete the Job (Background propagation: its pods go too) and the payload object; a missing one
   * is fine. Resolves with the error of the Job's deletion, if it failed.
   */
  deleteAll(): Promise<unknown> {
    this.deleting ??= (async () => {
      const { api } = this.deps;
      const { namespace, jobName } = this.info;
      const attempt = async (what: string, p: Promise<unknown>): Promise<unknown> => {
        try {
          await p;
          return undefined;
        } catch (err) {
          if (statusCode(err) === 404) return undefined;
          log('cannot delete %s: %s', what, apiMessage(err));
          return err;
        }
      };
      const failure = await attempt(`Job ${jobName}`, api.batch.deleteNamespacedJob({ name: jobName, namespace, propagationPolicy: 'Background' }));
      await this.deletePayload();
      if (failure) this.deleting = undefined; // let a later cancel try again
      return failure;
    })();
    return this.deleting;
  }

  private async deletePayload(): Promise<void> {
    const { api } = this.deps;
    const { namespace, payloadName, payloadKind } = this.info;
    try {
      await (payloadKind === 'secret'
        ? api.core.deleteNamespacedSecret({ name: payloadName, namespace })
        : api.core.deleteNamespacedConfigMap({ name: payloadName, namespace }));
    } catch (err) {
      if (statusCode(err) !== 404) log('cannot delete %s %s: %s', payloadKind, payloadName, apiMessage(err));
    }
  }

  /** Refused credentials or permissions will not heal: end the run (and its Job, which nobody could follow). */
  private watchFailed(what: string, err: unknown): void {
    const code = statusCode(err);
    if ((code !== 401 && code !== 403) || this.fatal) return;
    this.fatal = {
      state: 'failed',
      schedulerState: code === 401 ? 'Unauthorized' : 'Forbidden',
      reason: `cannot list and watch the run's ${what} in namespace '${this.info.namespace}': ${apiMessage(err)}. Grant list and watch on jobs and pods (RBAC)`,
    };
    log('run %s: %s', this.info.jobId, this.fatal.reason);
    this.endAfterDeleting();
  }

  /** A fatal end is published once what the run created is deleted (or the deletion failed). */
  private endAfterDeleting(): void {
    void this.deleteAll().finally(() => {
      this.cleanedUp = true;
      this.update();
    });
  }

  private update(): void {
    if (this.stopped) return;
    const job = this.jobs.objects.get(this.info.jobName);
    const view = computeRun({
      ...(this.info.count !== undefined ? { count: this.info.count } : {}),
      jobName: this.info.jobName,
      ...(job ? { job } : {}),
      synced: this.jobs.synced && this.pods.synced,
      jobDeleted: !job && this.jobs.deleted.has(this.info.jobName),
      pods: [...this.pods.objects.values()],
      harvests: this.harvests,
      settled: this.settled,
      cancelled: this.cancelled,
      settleAfterEnd: this.settleAfterEnd,
      ...(this.fatal ? { fatal: this.fatal } : {}),
    });
    if (view.ended && !this.endTimer && !this.settleAfterEnd) {
      this.endTimer = setTimeout(() => {
        this.settleAfterEnd = true;
        this.update();
      }, SETTLE_AFTER_END_MS);
    }
    if (view.fatal && !this.fatal) {
      this.fatal = view.fatal;
      log('run %s failed: %s; deleting its Job', this.info.jobId, view.fatal.reason);
      this.endAfterDeleting();
      return;
    }
    if (this.fatal && !this.cleanedUp) return;
    for (const pod of view.toHarvest) this.harvest(pod);
    const key = JSON.stringify(view.status, (_k, v: unknown) => (v instanceof Map ? [...v.entries()] : v));
    if (key === this.key) return;
    this.key = key;
    this.current = view.status;
    if (this.done) {
      this.stop();
      if (!this.info.payloadOwned) void this.deletePayload();
    }
    this.deps.changed();
  }

  private harvest(pod: PodLike): void {
    const uid = pod.metadata?.uid ?? pod.metadata?.name ?? '';
    if (this.harvesting.has(uid) || this.harvests.has(uid)) return;
    this.harvesting.add(uid);
    const ctx = {
      api: this.deps.api,
      transport: this.deps.transport,
      namespace: this.info.namespace,
      jobDir: this.info.jobDir,
      nonce: this.info.nonce,
      array: this.info.count !== undefined,
    };
    void this.deps
      .limit(() => harvestPod(ctx, pod, podIndex(pod)))
      .catch((err: unknown): HarvestResult => ({ problem: `reading the log of pod ${pod.metadata?.name} failed: ${apiMessage(err)}` }))
      .then((result) => {
        this.harvesting.delete(uid);
        this.harvests.set(uid, result);
        this.update();
      });
  }
}
