/**
 * Carries a submitted job to its end, across attempts: watches the current attempt, collects each
 * item as it ends, settles the ones that are final, and sends the rest again — retried after a
 * backoff, or resumed at once from their checkpoint — in a new attempt. Every step is written to the
 * registry first, so that another process (`attach`, `clustrix result`) can pick up where this one
 * stopped: what has ended, what is planned, what was submitted.
 *
 * Only one process submits attempts: the record's owner. Another process that watches the same job
 * follows the record instead, and takes over when the owner is gone.
 */
import { isTerminal, type JobState, type JobStatus, type TaskStatus } from '../../scheduler/contract.js';
import { logger } from '../../util/debug.js';
import { attemptIndices, currentAttempt, isActiveRecord, itemCounts, latestAttemptOf, type AttemptRecord, type JobRecord, type RecordState } from '../../registry/record.js';
import type { JobRegistry } from '../../registry/store.js';
import { emitJobEvent } from './events.js';
import { RequeueTracker, type Requeue } from '../../scheduler/requeue.js';
import { nextAttempt } from './attempt-owner.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import type { Outcome } from './job-outcome.js';
import { collectTask, storedStatus, type CollectExtras } from './item-outcome.js';
import { backoffMs, classify, describePlan, retryPolicyOf, type Planned, type RetryPolicy } from './retry-policy.js';
import { endedFields, endRecord, keepFinal, RecordBook } from './supervisor-record.js';
import { ItemLedger } from './item-ledger.js';
import { addUsage, UsageLedger } from './usage-ledger.js';
import { WakeableSleep } from '../../util/wakeable-sleep.js';

const log = logger('retry');

export interface SupervisorHooks {
  /** An item's final outcome (index in the original call order). */
  onItem(index: number, outcome: Outcome): void;
  onState?(state: RecordState, status?: JobStatus): void;
  /** A new attempt was submitted. */
  onAttempt?(attempt: AttemptRecord): void;
}

export class Supervisor {
  private cancelled = false;
  private readonly sleeper = new WakeableSleep();
  private readonly items: ItemLedger;
  private readonly usage = new UsageLedger();
  private readonly policy: RetryPolicy;
  /** Why a planned attempt was not submitted (for the record). */
  private retryFailure: string | undefined;
  private lastStatus: JobStatus | undefined;

  private readonly book: RecordBook;

  constructor(
    private readonly rt: ClusterRuntime,
    private readonly registry: JobRegistry,
    record: JobRecord,
    private readonly hooks: SupervisorHooks,
    private readonly extras: CollectExtras = {},
  ) {
    this.policy = retryPolicyOf(record.options);
    this.book = new RecordBook(registry, record);
    this.items = new ItemLedger(record.id, record.items !== undefined, (i, outcome) => hooks.onItem(i, outcome));
  }

  private get record(): JobRecord {
    return this.book.record;
  }

  private persist(fn: (r: JobRecord) => void | false): Promise<void> {
    return this.book.persist(fn);
  }

  /** The record once every attempt's usage figures are written (they come after the result). */
  async usageWritten(): Promise<JobRecord> {
    await this.usage.settled();
    return this.record;
  }

  get current(): AttemptRecord | undefined {
    return currentAttempt(this.record);
  }

  get total(): number {
    return this.record.items ?? 1;
  }

  get isArray(): boolean {
    return this.record.items !== undefined;
  }

  async run(): Promise<JobRecord> {
    await this.settleEndedAttempts();
    for (;;) {
      const attempt = currentAttempt(this.record)!;
      let planned: Planned;
      if (this.record.pending) {
        planned = { retry: this.record.pending.retry, resume: this.record.pending.resume, reasons: [this.record.pending.reason] };
        await this.recollect([...planned.retry, ...planned.resume]);
      } else if (!attempt.state) {
        planned = await this.follow(attempt);
      } else break;
      if (!planned.retry.length && !planned.resume.length) break;
      if (this.cancelled) {
        this.items.settleAsFinal([...planned.retry, ...planned.resume], this.cancelled);
        break;
      }
      let next: AttemptRecord | undefined;
      try {
        next = await this.nextAttempt(planned);
      } catch (err) {
        // The items keep the failure they had; the record says why they did not go again.
        this.retryFailure = `the next attempt could not be submitted: ${String((err as Error)?.message ?? err).split('\n')[0]}`;
        log('job %s: %s', this.record.id, this.retryFailure);
      }
      if (!next) {
        this.items.settleAsFinal([...planned.retry, ...planned.resume], this.cancelled);
        break;
      }
    }
    return this.finish();
  }

  /** Stop: cancel the current attempt, submit nothing more. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    this.sleeper.wake();
    const a = this.current;
    if (a?.ref && !a.state) {
      await this.rt.scheduler.cancel([a.ref]);
      this.rt.watcher.kick();
    }
  }

  /** A fresh status of the current attempt. */
  async status(): Promise<JobStatus> {
    const a = this.current;
    if (!a?.ref) return { state: 'pending' };
    if (a.state && this.lastStatus) return this.lastStatus;
    const map = await this.rt.scheduler.status([a.ref]);
    return map.get(a.ref.jobId) ?? { state: 'unknown' };
  }

  // ---- attempts ----

  /**
   * Items whose last attempt has ended and that are not planned to go again: their outcome is
   * final, collect it (a process attaching late; nothing to do for the one that submitted).
   */
  private async settleEndedAttempts(): Promise<void> {
    const latest = latestAttemptOf(this.record);
    const pending = new Set([...(this.record.pending?.retry ?? []), ...(this.record.pending?.resume ?? [])]);
    for (const a of this.record.attempts) {
      if (!a.state) continue;
      await this.collectEnded(a, (i) => latest.get(i) === a && !pending.has(i));
    }
  }

  /** An item's outcome from attempt `a`'s folder (task `task` of it), as `status` left it. */
  private collect(a: AttemptRecord, task: number, status: TaskStatus): Promise<Outcome> {
    return collectTask(this.rt, this.record, a, task, status, this.extras).then((o) => this.usage.note(attemptIndices(this.record, a)[task]!, o));
  }

  private async collectEnded(a: AttemptRecord, wanted: (index: number) => boolean): Promise<void> {
    const indices = attemptIndices(this.record, a);
    await Promise.all(
      indices.map(async (i, t) => {
        if (!wanted(i)) return;
        this.items.settle(i, await this.collect(a, t, storedStatus(a)));
      }),
    );
  }

  /** Outcomes of planned items, read again from their folders (a process that picked up a plan). */
  private async recollect(items: number[]): Promise<void> {
    const latest = latestAttemptOf(this.record);
    await Promise.all(
      items.map(async (i) => {
        const a = latest.get(i)!;
        this.items.lastOutcomes.set(i, await this.collect(a, attemptIndices(this.record, a).indexOf(i), storedStatus(a)));
      }),
    );
  }

  /** Watch an attempt to its end; settle what is final; return what goes again. Persists the result. */
  private async follow(a: AttemptRecord): Promise<Planned> {
    const indices = attemptIndices(this.record, a);
    const counts = itemCounts(this.record);
    const planned: Planned = { retry: [], resume: [], reasons: [] };
    const handled = new Set<number>();
    const handle = async (task: number, status: TaskStatus) => {
      if (handled.has(task)) return;
      handled.add(task);
      const i = indices[task]!;
      const outcome = await this.collect(a, task, status);
      const verdict = classify(outcome, { retries: counts.retries.get(i) ?? 0, resumes: counts.resumes.get(i) ?? 0 }, this.policy, this.cancelled);
      if (verdict.kind === 'final') return this.items.settle(i, outcome);
      this.items.lastOutcomes.set(i, outcome);
      if (verdict.kind === 'resume') planned.resume.push(i);
      else {
        planned.retry.push(i);
        if (!planned.reasons.includes(verdict.reason)) planned.reasons.push(verdict.reason);
      }
    };
    const pending: Promise<void>[] = [];
    const requeues = new RequeueTracker();
    const final = await this.rt.watcher.watch(a.ref!, {
      ...(this.isArray ? { onTask: (t: number, st: TaskStatus) => void pending.push(handle(t, st)) } : {}),
      onStatus: (st: JobStatus) => {
        this.lastStatus = st;
        const back = requeues.see(st);
        if (back.length) this.noteRequeues(a, indices, back);
        if (st.state !== 'unknown') this.setState(st.state, st);
      },
    });
    this.lastStatus = final;
    await Promise.all(pending);
    await Promise.all(indices.map((_, t) => handle(t, this.isArray ? (final.tasks?.get(t) ?? final) : final)));
    const goesAgain = planned.retry.length + planned.resume.length > 0 && !this.cancelled;
    const retryNumber = Math.max(0, ...planned.retry.map((i) => (counts.retries.get(i) ?? 0) + 1));
    const delay = planned.retry.length ? backoffMs(retryNumber, this.policy) : 0;
    const reason = describePlan(planned, this.isArray);
    await this.persist((r) => {
      if (!isActiveRecord(r)) return false; // ended elsewhere (`clustrix cancel`): it stays as it was written
      const mine = r.attempts.find((x) => x.n === a.n);
      if (mine && !mine.state) Object.assign(mine, endedFields(final));
      if (goesAgain) {
        r.pending = { retry: planned.retry, resume: planned.resume, notBefore: new Date(Date.now() + delay).toISOString(), reason };
        r.state = 'retrying';
        r.reason = reason;
      }
    });
    this.usage.recordInBackground(this.rt, a, indices, this.isArray, (used) => this.persist((r) => void addUsage(r, used)));
    if (goesAgain) {
      log('job %s: %s', this.record.id, reason);
      if (planned.resume.length) emitJobEvent({ type: 'checkpoint', jobId: this.record.id, attempt: a.n, indices: [...planned.resume] });
      if (planned.retry.length) emitJobEvent({ type: 'retry', jobId: this.record.id, attempt: a.n + 1, indices: [...planned.retry], reason, delayMs: delay });
      this.hooks.onState?.('retrying');
    }
    return planned;
  }

  /** The scheduler requeued started work by itself (SLURM: node failure, preemption): say so, count it. */
  private noteRequeues(a: AttemptRecord, indices: number[], back: Requeue[]): void {
    const items = this.isArray ? back.filter((r) => r.task !== undefined).map((r) => indices[r.task!]!) : undefined;
    const { schedulerState, reason } = back[0]!;
    log('job %s: requeued by %s%s', this.record.id, this.rt.scheduler.name, reason ? ` (${reason})` : '');
    emitJobEvent({ type: 'requeued', jobId: this.record.id, attempt: a.n, ...(items ? { indices: items } : {}), ...(schedulerState ? { schedulerState } : {}), ...(reason ? { reason } : {}) });
    void this.persist((r) => {
      if (!isActiveRecord(r)) return false;
      r.requeues = { count: (r.requeues?.count ?? 0) + back.length, lastAt: new Date().toISOString(), ...(reason ? { reason } : {}) };
    });
  }

  /** Wait for the plan's time, then submit it — or, when another live process owns the job, follow what it submits. */
  private nextAttempt(planned: Planned): Promise<AttemptRecord | undefined> {
    return nextAttempt(
      {
        rt: this.rt,
        registry: this.registry,
        book: this.book,
        lastOutcomes: this.items.lastOutcomes,
        sleep: (ms) => this.sleeper.sleep(ms),
        cancelled: () => this.cancelled,
        onCancelled: () => {
          this.cancelled = true;
        },
        onAttempt: (a) => this.hooks.onAttempt?.(a),
      },
      planned,
    );
  }

  private setState(state: RecordState, status?: JobStatus): void {
    if (this.record.state === state && this.record.schedulerState === status?.schedulerState) return;
    const previous = this.record.state;
    this.record.state = state;
    this.hooks.onState?.(state, status);
    if (previous !== state) emitJobEvent({ type: 'state', jobId: this.record.id, state, ...(status?.schedulerState ? { schedulerState: status.schedulerState } : {}) });
    // The record turns final in finish() only, once every item is classified (a failed attempt may go again).
    if (isTerminal(state as JobState)) return;
    void this.persist((r) => {
      if (!isActiveRecord(r)) return false;
      r.state = state;
      if (status?.schedulerState) r.schedulerState = status.schedulerState;
    });
  }

  private async finish(): Promise<JobRecord> {
    this.items.settleRest(this.total);
    const { tally } = this.items;
    const ok = tally.failed === 0;
    await this.persist((r) => {
      if (!isActiveRecord(r)) return keepFinal(r, tally);
      endRecord(r, tally, this.lastStatus, this.isArray, this.cancelled);
      if (this.retryFailure) r.reason = this.retryFailure;
    });
    emitJobEvent({ type: 'done', jobId: this.record.id, state: this.record.state, ok });
    return this.record;
  }
}
