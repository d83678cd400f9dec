/**
 * The Kubernetes scheduler: one Job per call, one Indexed Job per map. `submit` packs the job into a
 * ConfigMap (or Secret), creates the Job and makes the Job the payload's owner (so deleting the Job,
 * or its TTL, deletes the payload too); `status` answers from what the runs' watches hold, without
 * a request; `cancel` deletes the Job with its pods.
 */
import { randomBytes } from 'node:crypto';
import { ListenerSet, SubmitError, type JobRef, type JobStatus, type ResourceKey, type Scheduler, type SubmitRequest, type UsageReport } from '@clustrix/core/scheduler';
import { apiMessage, statusCode, type KubeApi } from './client.js';
import { logger } from './log.js';
import { INDEX_ENV, renderJob, runLabels, runNames } from './manifest.js';
import type { KubernetesSettings } from './options.js';
import { planPayload, renderPayloadObject, type PayloadKind } from './payload.js';
import { RunWatch, type RunInfo } from './run-watch.js';
import type { KubeTransport } from './transport.js';

const log = logger('scheduler');
const LOG_READS_AT_ONCE = 8;
/** A finished run's status (and, in memory, its job folder) is kept this long. */
const KEEP_FINISHED_MS = 10 * 60_000;

export class KubernetesScheduler implements Scheduler {
  readonly name = 'kubernetes';
  readonly supports: ReadonlySet<ResourceKey> = new Set<ResourceKey>(['cpus', 'memory', 'gpus', 'time', 'env', 'jobName', 'setup']);
  readonly arrayIndex = { env: INDEX_ENV, base: 0 };
  /** status() costs nothing (watches feed it) and changes are pushed: the watcher may sleep long. */
  readonly poll = { minMs: 5_000, maxMs: 60_000 };
  private readonly runs = new Map<string, RunWatch>();
  private readonly listeners = new ListenerSet();
  private readonly waiting: Array<() => void> = [];
  private reading = 0;

  constructor(
    readonly api: KubeApi,
    readonly settings: KubernetesSettings,
    readonly transport: KubeTransport,
    /** The remote root as the pods see it (where the work volume is mounted). */
    readonly root: string,
  ) {}

  /** A Secret unless the profile opts into ConfigMaps; a job with `env` always travels in a Secret. */
  private payloadKind(request: SubmitRequest): PayloadKind {
    if (request.options.env && Object.keys(request.options.env).length) return 'secret';
    return this.settings.payloadKind ?? 'secret';
  }

  async submit(request: SubmitRequest): Promise<JobRef> {
    const { api, settings } = this;
    const namespace = api.namespace;
    const names = runNames(request.jobId, request.options.jobName ?? request.label);
    const kind = this.payloadKind(request);
    const nonce = randomBytes(8).toString('hex');
    // Everything that can be refused is checked before the first request.
    const job = renderJob({ request, settings, namespace, names, payloadKind: kind, root: this.root });
    const plan = await planPayload({
      transport: this.transport,
      root: this.root,
      request,
      name: names.payload,
      kind,
      nonce,
      indexEnv: this.arrayIndex.env,
      indexBase: this.arrayIndex.base,
    });
    const payload = renderPayloadObject(plan, namespace, runLabels(request.jobId, settings));
    const fail = (what: string, err: unknown) =>
      new SubmitError(`cannot create the ${what} of job ${request.jobId} in namespace '${namespace}' on ${api.server}: ${apiMessage(err)}${hint(err, namespace)}`, {
        scope: 'kubernetes',
        jobId: request.jobId,
        schedulerJobId: names.job,
        cause: err,
      });
    try {
      if (kind === 'secret') await api.core.createNamespacedSecret({ namespace, body: payload as never });
      else await api.core.createNamespacedConfigMap({ namespace, body: payload as never });
    } catch (err) {
      throw fail(kind === 'secret' ? 'Secret' : 'ConfigMap', err);
    }
    let created: { metadata?: { uid?: string } };
    try {
      created = await api.batch.createNamespacedJob({ namespace, body: job as never });
    } catch (err) {
      await this.deletePayload(kind, names.payload).catch(() => undefined);
      throw fail('Job', err);
    }
    const uid = created.metadata?.uid;
    let payloadOwned = false;
    if (uid) {
      // blockOwnerDeletion stays false: setting it needs the right to set finalizers on Jobs.
      const owner = [{ apiVersion: 'batch/v1', kind: 'Job', name: names.job, uid, blockOwnerDeletion: false }];
      const patch = [{ op: 'add', path: '/metadata/ownerReferences', value: owner }];
      const call =
        kind === 'secret'
          ? api.core.patchNamespacedSecret({ name: names.payload, namespace, body: patch })
          : api.core.patchNamespacedConfigMap({ name: names.payload, namespace, body: patch });
      // Not fatal: without the owner the payload is deleted when the run ends instead of with the Job.
      payloadOwned = await call.then(
        () => true,
        (err: unknown) => (log('cannot make Job %s own %s: %s', names.job, names.payload, apiMessage(err)), false),
      );
    }
    if (!this.transport.onVolume) this.transport.forgetInputs(request.jobDir);
    const info: RunInfo = {
      jobId: request.jobId,
      jobDir: request.jobDir,
      namespace,
      jobName: names.job,
      payloadName: names.payload,
      payloadKind: kind,
      nonce,
      payloadOwned,
      ...(request.count !== undefined ? { count: request.count } : {}),
    };
    this.track(info);
    log('submitted %s as Job %s/%s (%s %s, %d bytes)', request.jobId, namespace, names.job, kind, names.payload, plan.bytes);
    return {
      jobId: request.jobId,
      schedulerJobId: names.job,
      jobDir: request.jobDir,
      ...(request.count !== undefined ? { count: request.count } : {}),
      extra: { namespace, payloadName: names.payload, payloadKind: kind, nonce },
    };
  }

  private deletePayload(kind: PayloadKind, name: string): Promise<unknown> {
    const namespace = this.api.namespace;
    return kind === 'secret' ? this.api.core.deleteNamespacedSecret({ name, namespace }) : this.api.core.deleteNamespacedConfigMap({ name, namespace });
  }

  private track(info: RunInfo): RunWatch {
    const run = new RunWatch(info, {
      api: this.api,
      transport: this.transport,
      limit: (fn) => this.limit(fn),
      changed: () => {
        if (run.done) setTimeout(() => this.forget(run), KEEP_FINISHED_MS).unref();
        this.notify();
      },
    });
    this.runs.set(info.jobId, run);
    run.start();
    return run;
  }

  /** Long after a run ended: drop its record and the job folder kept in memory (results were read long ago). */
  private forget(run: RunWatch): void {
    if (this.runs.get(run.info.jobId) !== run) return;
    this.runs.delete(run.info.jobId);
    if (!this.transport.onVolume) void this.transport.remove(run.info.jobDir, { recursive: true });
  }

  /** A run this process did not submit (or forgot): watch it from its reference. */
  private adopt(ref: JobRef): RunWatch {
    const known = this.runs.get(ref.jobId);
    if (known) return known;
    const extra = ref.extra ?? {};
    const str = (k: string) => (typeof extra[k] === 'string' ? (extra[k] as string) : undefined);
    return this.track({
      jobId: ref.jobId,
      jobDir: ref.jobDir,
      namespace: str('namespace') ?? this.api.namespace,
      jobName: ref.schedulerJobId,
      payloadName: str('payloadName') ?? `${ref.schedulerJobId}-payload`,
      payloadKind: str('payloadKind') === 'secret' ? 'secret' : 'configmap',
      nonce: str('nonce') ?? '',
      payloadOwned: true,
      ...(ref.count !== undefined ? { count: ref.count } : {}),
    });
  }

  async status(refs: readonly JobRef[]): Promise<Map<string, JobStatus>> {
    const out = new Map<string, JobStatus>();
    for (const ref of refs) out.set(ref.jobId, this.adopt(ref).status());
    return out;
  }

  /** From the pod statuses the runs' watches hold (no request): elapsed time, CPUs and GPUs of each ended pod. */
  async usage(refs: readonly JobRef[]): Promise<Map<string, UsageReport>> {
    const out = new Map<string, UsageReport>();
    for (const ref of refs) {
      const report = this.runs.get(ref.jobId)?.usage(this.settings.gpuResource);
      if (report) out.set(ref.jobId, report);
    }
    return out;
  }

  async cancel(refs: readonly JobRef[]): Promise<void> {
    await Promise.all(refs.map((ref) => this.adopt(ref).cancel()));
    this.notify();
  }

  subscribe(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  private notify(): void {
    this.listeners.emit();
  }

  private async limit<T>(fn: () => Promise<T>): Promise<T> {
    if (this.reading >= LOG_READS_AT_ONCE) await new Promise<void>((r) => this.waiting.push(r));
    this.reading++;
    try {
      return await fn();
    } finally {
      this.reading--;
      this.waiting.shift()?.();
    }
  }

  async close(): Promise<void> {
    for (const run of this.runs.values()) run.stop();
    this.runs.clear();
  }
}

/** Every verb the scheduler uses, per resource (docs/schedulers/kubernetes.md has the Role). */
export const RBAC_NEEDS =
  'jobs (batch): create, list, watch, delete; pods: list, watch; pods/log: get; ' +
  "secrets (configmaps with payloadKind: 'configmap'): create, patch, delete";

function hint(err: unknown, namespace: string): string {
  const code = statusCode(err);
  if (code === 401) return '. The credentials were refused: refresh the kubeconfig (or its token)';
  if (code === 403) return `. Grant this user, in '${namespace}' (an RBAC Role): ${RBAC_NEEDS}`;
  if (code === 404) return `. Does the namespace '${namespace}' exist? Set \`namespace\` in the cluster profile`;
  if (code === 422) return '. The API server rejected the manifest; check the profile values it names';
  if (code === undefined) return '. Is the API server reachable? Check the kubeconfig context (`context`)';
  return '';
}

