/**
 * One run of a call (or of a fan-out's calls, as one array job), as its caller follows it — the
 * caller's side; the node's side is the runner's `runJob`. Submitted here in three stages: resolve
 * (resolve-run.ts: options, cluster, what the scheduler honours), record (run-record.ts: the registry
 * entry before anything is submitted), submit (first-attempt.ts: bundle, stage, submit); then the
 * supervisor watches, collects, retries and resumes until every item has its outcome. Attached
 * (`CallRun.attach`): the job was submitted by another process; only the supervising part runs.
 */
import type { JobUsage } from '@clustrix/wire';
import { CancelledError, JobLostError } from '../../errors.js';
import { currentRegistry } from '../../registry/index.js';
import { currentAttempt, type JobRecord, type RecordState } from '../../registry/record.js';
import type { JobRegistry } from '../../registry/store.js';
import { isTerminal, type JobRef, type JobState, type JobStatus } from '../../scheduler/contract.js';
import { onAbort } from '../../util/abort.js';
import { logger } from '../../util/debug.js';
import { currentInstance } from '../../util/instance-state.js';
import { deferred, type Deferred } from '../../util/deferred.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { OutputsGate } from '../files/outputs.js';
import { runtimeForRecord, waitUntilSubmitted } from './attach-record.js';
import { emitJobEvent } from './events.js';
import { submitFirstAttempt } from './first-attempt.js';
import type { Outcome } from './job-outcome.js';
import type { PreparedCall } from './prepared-call.js';
import { resolveRun, type ResolvedRun } from './resolve-run.js';
import { sweepOnSchedule } from './retention.js';
import { cleanupJobFolders, createRunRecord, recordNotSubmitted, recordSubmission, type Submission } from './run-record.js';
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
  /** What each item used, by item index, once the run is over (the registry record's `usage`). */
  usage?: Record<string, JobUsage> | undefined;
}

/** Runs of this process that are not over, by job id: attaching to one of them (a `key` used twice, `attach(id)` here) shares it. */
const LIVE = Symbol('live runs');
const liveRuns = () => currentInstance().slot(LIVE, () => new Map<string, CallRun>());

export class CallRun {
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
      const live = liveRuns();
      live.set(options.jobId, this);
      void this.done.then(() => {
        if (live.get(options.jobId) === this) live.delete(options.jobId);
      });
    }
    if (options.signal) onAbort(options.signal, () => this.cancel().catch((err: unknown) => log('cancel of %s failed: %s', this.jobId, (err as Error).message)));
    void (attachTo ? this.guard(() => this.attached(attachTo)) : this.guard(() => this.execute()));
  }

  /** Follow a job another process submitted (or this one, earlier): its record from the registry. */
  static attach(record: JobRecord, options: { signal?: AbortSignal; raw?: boolean } = {}): CallRun {
    const running = options.raw ? undefined : liveRuns().get(record.id);
    if (running) return running;
    return new CallRun(
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

  /** Resolve, record, submit; then supervise. */
  private async execute(): Promise<void> {
    const first = this.calls[0]!;
    if (this.options.signal?.aborted) throw this.cancelledError();
    const resolved = await resolveRun(first, this.state);
    if (resolved.options.outputs?.length) this.outputs = new OutputsGate(resolved.options.outputs);
    const registry = await currentRegistry();
    const items = this.options.array ? this.calls.length : undefined;
    const { jobId, concurrency, key, fingerprint } = this.options;
    let record = await createRunRecord(registry, { jobId, items, concurrency, key, fingerprint }, first, resolved);
    const submission = await this.submit(resolved).catch(async (err: unknown) => {
      await recordNotSubmitted(registry, jobId, this.items.length, err, this.cancelRequested);
      throw err;
    });
    this.inputRels = submission.inputs;
    record = await recordSubmission(registry, record, submission);
    const { rt } = resolved;
    const { ref } = submission;
    this.state.ref = ref;
    this.setState('pending');
    this.submitted.resolve(ref);
    emitJobEvent({ type: 'submitted', jobId, cluster: rt.name, scheduler: rt.scheduler.name, schedulerJobId: ref.schedulerJobId, attempt: 0, ...(items !== undefined ? { items } : {}) });
    log('submitted %s as %s %s on %s', jobId, rt.scheduler.name, ref.schedulerJobId, rt.name);
    await this.supervise(rt, registry, record, resolved.where.file);
  }

  /** Bundle, stage and submit the first attempt (stopping if the run is cancelled meanwhile). */
  private async submit(resolved: ResolvedRun): Promise<Submission> {
    const lead = resolved.checkpointLead;
    const attempt = await submitFirstAttempt({
      rt: resolved.rt,
      calls: this.calls,
      jobId: this.jobId,
      array: this.options.array,
      ...(this.options.concurrency ? { concurrency: this.options.concurrency } : {}),
      options: resolved.options,
      where: resolved.where,
      cacheDir: resolved.cacheDir,
      checkpoint: lead !== undefined,
      ...(lead !== undefined && resolved.time !== undefined ? { checkpointTimer: resolved.time - lead } : {}),
      checkCancelled: () => {
        if (this.cancelRequested || this.options.signal?.aborted) throw this.cancelledError();
      },
      onSubmitting: () => this.setState('submitting'),
    });
    return { ref: attempt.ref, jobDir: attempt.jobDir, command: attempt.command, inputs: attempt.inputs.map((i) => i.rel) };
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
      await this.fetchOutputs(rt, final);
      await cleanupJobFolders(rt, registry, final);
      void sweepOnSchedule(rt, registry, final.options.retentionDays); // in the background, at most once a day
    } finally {
      this.finished.resolve();
    }
    await Promise.all(this.pendingItems);
  }

  /** Fetch `outputs` from every attempt's folder; the items wait for it (OutputsGate). */
  private async fetchOutputs(rt: ClusterRuntime, record: JobRecord): Promise<void> {
    const jobDirs = record.attempts.filter((a) => a.ref).map((a) => a.jobDir);
    if (!this.outputs || !jobDirs.length) return;
    await this.outputs.fetch(rt.transport, {
      jobId: record.id,
      jobDirs,
      outputDir: record.options.outputDir ?? process.cwd(),
      succeeded: record.state === 'completed',
      // attached: the inputs' top-level names from the record
      inputs: this.inputRels ?? (record.inputs ?? []).flatMap((t) => [t, `${t}/**`]),
    });
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

  /** What item `index` used, once the run is over; undefined when nothing reported it. */
  async usage(index: number): Promise<JobUsage | undefined> {
    await this.done;
    if (this.supervisor) this.state.usage = (await this.supervisor.usageWritten()).usage;
    return this.state.usage?.[String(index)];
  }

  /** A fresh status from the scheduler (one query). */
  async status(): Promise<JobStatus | { state: 'preparing' | 'submitting' }> {
    if (!this.supervisor) return { state: this.state.state === 'submitting' ? 'submitting' : 'preparing' };
    return this.supervisor.status();
  }
}
