/**
 * One job, end to end. Submitted here: resolve options → check the scheduler can honour them →
 * record the job in the registry → bundle → stage → submit; then the supervisor watches, collects,
 * retries and resumes until every item has its outcome. Attached (`JobRun.attach`): the job was
 * submitted by another process; only the supervising part runs. A single call is a run of one item;
 * a fan-out is one run whose items become one array job.
 */
import { resolve } from 'node:path';
import { currentConfig } from '../../config/current.js';
import { resolveCall } from '../../config/resolve.js';
import { CancelledError, ConfigError, JobLostError } from '../../errors.js';
import { checkpointLeadSeconds, RESOURCE_KEYS, type CallOptions, type JobOptions, type ResourceKey } from '../../options.js';
import { parseTime } from '../../resources/parse.js';
import { currentRegistry } from '../../registry/index.js';
import { currentAttempt, newJobRecord, type JobRecord, type RecordState } from '../../registry/record.js';
import type { JobRegistry } from '../../registry/store.js';
import { isTerminal, type JobRef, type JobState, type JobStatus } from '../../scheduler/contract.js';
import { moduleFileOf } from '../../ship/locate.js';
import { onAbort } from '../../util/abort.js';
import { logger } from '../../util/debug.js';
import { emitJobEvent } from './events.js';
import { clusterRuntime, type ClusterRuntime } from '../cluster/cluster-runtime.js';
import type { Outcome } from './job-outcome.js';
import { deferred, type Deferred } from '../../util/deferred.js';
import { submitFirstAttempt } from './first-attempt.js';
import { OutputsGate } from '../files/outputs.js';
import type { PreparedCall } from '../call/prepare.js';
import { effectiveCheckpoints } from './retry-policy.js';
import { runtimeForRecord, settleOutputsAndCleanup, waitUntilSubmitted } from './attach-record.js';
import { Supervisor } from './supervisor.js';

const log = logger('run');

export interface RunOptions {
  jobId: string;
  /** Submit the items as one array job (false: exactly one item, a single job). */
  array: boolean;
  concurrency?: number;
  signal?: AbortSignal;
  /** The call's `key` and the hash of the call, kept in the registry for reuse. */
  key?: string;
  fingerprint?: string;
  /** Results as plain JSON, errors without importing the user's module (the CLI). */
  raw?: boolean;
  /** Hears each item as it ends. */
  onItem?: (index: number, outcome: Outcome) => void;
  onState?: (state: RecordState) => void;
}

export interface RunState {
  state: RecordState;
  cluster?: string;
  /** The current attempt's scheduler reference. */
  ref?: JobRef;
  runtime?: ClusterRuntime;
  lastStatus?: JobStatus;
}

function setKeys(options: JobOptions): ResourceKey[] {
  return RESOURCE_KEYS.filter((k) => {
    const v = options[k];
    return v !== undefined && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
  });
}

/** Runs of this process that are not over, by job id: attaching to one of them (a `key` used twice, `attach(id)` here) shares it. */
const live = new Map<string, JobRun>();

export class JobRun {
  readonly items: Deferred<unknown>[];
  readonly state: RunState = { state: 'preparing' };
  private cancelRequested = false;
  private readonly submitted = deferred<JobRef>();
  private supervisor: Supervisor | undefined;
  private outputs: OutputsGate | undefined;
  private readonly pendingItems: Promise<void>[] = [];
  /** Relative paths of the staged inputs (left out of `outputs` globs). */
  private inputRels: string[] | undefined;
  /** Resolves once the run's bookkeeping is done (registry record final, outputs fetched, cleanup). */
  private readonly finished = deferred<void>();
  private unsettled: number;

  constructor(
    readonly calls: PreparedCall[],
    readonly options: RunOptions,
    attachTo?: JobRecord,
  ) {
    this.items = Array.from({ length: attachTo ? (attachTo.items ?? 1) : calls.length }, () => deferred<unknown>());
    this.unsettled = this.items.length;
    if (!options.raw) {
      live.set(options.jobId, this);
      void this.done.then(() => {
        if (live.get(options.jobId) === this) live.delete(options.jobId);
      });
    }
    if (options.signal) onAbort(options.signal, () => this.cancel().catch((err: unknown) => log('cancel of %s failed: %s', this.jobId, (err as Error).message)));
    void (attachTo ? this.guard(() => this.attached(attachTo)) : this.guard(() => this.execute()));
  }

  /** Follow a job another process submitted (or this one, earlier): its record from the registry. */
  static attach(record: JobRecord, options: { signal?: AbortSignal; raw?: boolean } = {}): JobRun {
    const running = options.raw ? undefined : live.get(record.id);
    if (running) return running;
    return new JobRun(
      [],
      { jobId: record.id, array: record.items !== undefined, ...(options.signal ? { signal: options.signal } : {}), ...(options.raw ? { raw: true } : {}) },
      record,
    );
  }

  get jobId(): string {
    return this.options.jobId;
  }

  /** Resolves with the scheduler's reference once the job is submitted. */
  get ref(): Promise<JobRef> {
    return this.submitted.promise;
  }

  private async guard(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.finished.resolve();
      for (const d of this.items) d.reject(err);
      this.submitted.reject(err);
    }
  }

  /** Resolves when the run is over: every item settled and the registry record final. */
  get done(): Promise<void> {
    return this.finished.promise.then(() => Promise.all(this.items.map((d) => d.promise.catch(() => undefined)))).then(() => undefined);
  }

  private cancelledError(): CancelledError {
    const reason = this.options.signal?.reason;
    return new CancelledError(`job ${this.jobId} was cancelled before it was submitted${reason instanceof Error ? `: ${reason.message}` : ''}`, {
      jobId: this.jobId,
      ...(reason instanceof Error ? { cause: reason } : {}),
    });
  }

  private setState(state: RecordState, status?: JobStatus): void {
    this.state.state = state;
    if (status) this.state.lastStatus = status;
    if (state !== 'preparing' && state !== 'submitting') this.options.onState?.(state);
  }

  private async execute(): Promise<void> {
    const first = this.calls[0]!;
    const { info } = first;
    if (this.options.signal?.aborted) throw this.cancelledError();
    const config = (await currentConfig()).merged;
    const resolved = resolveCall(config, info.options as JobOptions, stripCallOnly(first.options));
    this.state.cluster = resolved.clusterName;
    const rt = await clusterRuntime(resolved.clusterName, resolved.profile);
    this.state.runtime = rt;
    const options: JobOptions = { ...resolved.options };
    const unsupported = setKeys(options).filter((k) => !rt.scheduler.supports.has(k));
    if (unsupported.length) {
      throw new ConfigError(
        `the ${rt.scheduler.name} scheduler of cluster '${rt.name}' cannot honour ${unsupported.map((k) => `\`${k}\``).join(', ')}; ` +
          `it honours ${[...rt.scheduler.supports].join(', ')}. Remove the option or run on a cluster that supports it`,
        { scope: rt.scheduler.name, keyPath: unsupported[0]! },
      );
    }
    const hasCheckpoint = !info.isStatic && typeof (info.cls as unknown as { prototype: Record<string, unknown> }).prototype.checkpoint === 'function';
    options.checkpoints = effectiveCheckpoints(options, hasCheckpoint);
    const lead = checkpointLeadSeconds(options);
    const time = options.time !== undefined ? parseTime(options.time) : undefined;
    const where = moduleFileOf(info.cls);
    if (options.outputs?.length) this.outputs = new OutputsGate(options.outputs);
    if (options.outputs?.length) options.outputDir = resolve(options.outputDir ?? process.cwd());

    const registry = await currentRegistry();
    let record = newJobRecord({
      id: this.jobId,
      cluster: rt.name,
      scheduler: rt.scheduler.name,
      profile: resolved.profile,
      options,
      target: { className: info.cls.name, method: info.method, static: info.isStatic, module: where.file },
      ...(this.options.key ? { key: this.options.key } : {}),
      ...(this.options.fingerprint ? { fingerprint: this.options.fingerprint } : {}),
      ...(this.options.array ? { items: this.calls.length } : {}),
      ...(this.options.concurrency ? { concurrency: this.options.concurrency } : {}),
    });
    await registry.create(record);
    const fail = (err: unknown) =>
      registry
        .update(this.jobId, (r) => {
          r.state = this.cancelRequested ? 'cancelled' : 'failed';
          r.endedAt = new Date().toISOString();
          r.reason = String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 500);
          r.outcome = { succeeded: 0, failed: this.items.length, error: { name: (err as Error)?.name ?? 'Error', message: r.reason } };
        })
        .catch(() => undefined);

    let attempt;
    try {
      attempt = await submitFirstAttempt({
        rt,
        calls: this.calls,
        jobId: this.jobId,
        array: this.options.array,
        ...(this.options.concurrency ? { concurrency: this.options.concurrency } : {}),
        options,
        where,
        cacheDir: config.cacheDir,
        checkpoint: lead !== undefined,
        ...(lead !== undefined && time !== undefined ? { checkpointTimer: time - lead } : {}),
        checkCancelled: () => {
          if (this.cancelRequested || this.options.signal?.aborted) throw this.cancelledError();
        },
        onSubmitting: () => this.setState('submitting'),
      });
    } catch (err) {
      await fail(err);
      throw err;
    }
    const { ref, jobDir, command, inputs } = attempt;
    const tops = [...new Set(inputs.map((i) => i.rel.split('/')[0]!))];
    this.inputRels = inputs.map((i) => i.rel);
    record =
      (await registry
        .update(this.jobId, (r) => {
          r.attempts = [{ n: 0, jobId: this.jobId, jobDir, ref, submittedAt: new Date().toISOString() }];
          r.state = 'pending';
          r.submittedAt = new Date().toISOString();
          r.command = command;
          if (tops.length) r.inputs = tops;
        })
        .catch((err: unknown) => {
          log('cannot record the submission of %s: %s', this.jobId, (err as Error).message);
          return undefined;
        })) ?? { ...record, attempts: [{ n: 0, jobId: this.jobId, jobDir, ref }], command, state: 'pending' };
    this.state.ref = ref;
    this.setState('pending');
    this.submitted.resolve(ref);
    emitJobEvent({ type: 'submitted', jobId: this.jobId, cluster: rt.name, scheduler: rt.scheduler.name, schedulerJobId: ref.schedulerJobId, attempt: 0, ...(this.options.array ? { items: this.calls.length } : {}) });
    log('submitted %s as %s %s on %s', this.jobId, rt.scheduler.name, ref.schedulerJobId, rt.name);
    await this.supervise(rt, registry, record, where.file);
  }

  private async attached(record: JobRecord): Promise<void> {
    const registry = await currentRegistry();
    const ready = await waitUntilSubmitted(registry, record, () => this.cancelRequested);
    const attempt = currentAttempt(ready);
    if (!attempt?.ref) {
      throw new JobLostError(`job ${ready.id} was never submitted (state ${ready.state}${ready.reason ? `: ${ready.reason}` : ''}); submit it again`, {
        jobId: ready.id,
        scope: ready.scheduler,
      });
    }
    this.state.cluster = ready.cluster;
    const rt = await runtimeForRecord(ready);
    this.state.runtime = rt;
    this.state.ref = attempt.ref;
    this.setState(ready.state);
    this.submitted.resolve(attempt.ref);
    if (ready.options.outputs?.length && !ready.endedAt) this.outputs = new OutputsGate(ready.options.outputs);
    await this.supervise(rt, registry, ready, this.options.raw ? undefined : ready.target.module);
  }

  private async supervise(rt: ClusterRuntime, registry: JobRegistry, record: JobRecord, moduleFile: string | undefined): Promise<void> {
    const sup = new Supervisor(
      rt,
      registry,
      record,
      {
        onItem: (i, outcome) => this.pendingItems.push(this.settleItem(i, outcome)),
        onState: (s, st) => this.setState(s, st),
        onAttempt: (a) => {
          if (a.ref) this.state.ref = a.ref;
        },
      },
      { ...(moduleFile ? { moduleFile } : {}), localFrames: (i) => this.calls[i]?.localFrames, ...(this.options.raw ? { raw: true } : {}) },
    );
    this.supervisor = sup;
    if (this.cancelRequested) void sup.cancel().catch(() => undefined);
    try {
      const final = await sup.run();
      this.state.state = final.state;
      await settleOutputsAndCleanup(rt, registry, final, this.outputs, this.inputRels);
    } finally {
      this.finished.resolve();
    }
    await Promise.all(this.pendingItems);
  }

  /** Settle an item; the last one waits until the record is final (a script may exit right after). */
  private async settleItem(index: number, outcome: Outcome): Promise<void> {
    const d = this.items[index];
    if (!d || d.settled) return;
    if (--this.unsettled === 0) await this.finished.promise;
    const o = this.outputs ? await this.outputs.apply(outcome) : outcome;
    if (o.ok) d.resolve(o.value);
    else d.reject(o.error);
    this.options.onItem?.(index, o);
  }

  /** Cancel: before submission nothing is submitted; after, the scheduler kills the job and nothing is retried. */
  async cancel(): Promise<void> {
    this.cancelRequested = true;
    if (this.supervisor && !isTerminal(this.state.state as JobState)) await this.supervisor.cancel();
  }

  /** A fresh status from the scheduler (one query). */
  async status(): Promise<JobStatus | { state: 'preparing' | 'submitting' }> {
    if (!this.supervisor) return { state: this.state.state === 'submitting' ? 'submitting' : 'preparing' };
    return this.supervisor.status();
  }
}

function stripCallOnly(options: CallOptions): JobOptions {
  const { signal: _s, key: _k, ...rest } = options;
  return rest;
}
