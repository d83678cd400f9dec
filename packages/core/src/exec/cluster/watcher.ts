/**
 * One watcher per cluster. It asks the scheduler for the status of ALL outstanding jobs in one call
 * per cycle, fast at first and backing off while nothing changes (never slower than `maxMs`, the
 * floor of query rate), wakes at once when the scheduler pushes a change, and settles each job when
 * it reaches a terminal state. A job the scheduler stops knowing for `lostAfterPolls` cycles is
 * settled as `lost` with the last state seen: nothing waits forever on an unknown state.
 */
import { TransportError } from '../../errors.js';
import { isTerminal, type JobRef, type JobStatus, type Scheduler, type TaskStatus } from '../../scheduler/contract.js';
import { logger } from '../../util/debug.js';

const log = logger('watch');

export interface WatcherOptions {
  minMs: number;
  maxMs: number;
  lostAfterPolls: number;
  /** Consecutive failed status queries before the jobs' waits fail. */
  maxConsecutiveErrors?: number;
  /** Let a scheduler that can long-poll wait for completions inside its status round trip. Default true. */
  longPoll?: boolean;
}

interface Watched {
  ref: JobRef;
  resolve(status: JobStatus): void;
  reject(err: unknown): void;
  onTask?: (index: number, status: TaskStatus) => void;
  onStatus?: (status: JobStatus) => void;
  reportedTasks: Set<number>;
  misses: number;
  last?: JobStatus;
}

export class Watcher {
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private interval: number;
  private running = false;
  private errors = 0;
  private unsubscribe: (() => void) | undefined;
  /** Aborts a long-poll status query in flight (kick() needs an answer now). */
  private inflight: AbortController | undefined;
  /** Status queries made so far (for tests and benchmarks). */
  cycles = 0;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly options: WatcherOptions,
  ) {
    this.interval = options.minMs;
  }

  /** Wait for `ref` to end. `onTask` hears each array task as it ends. */
  watch(
    ref: JobRef,
    hooks: { onTask?: (index: number, status: TaskStatus) => void; onStatus?: (status: JobStatus) => void } = {},
  ): Promise<JobStatus> {
    return new Promise<JobStatus>((resolve, reject) => {
      this.watched.set(ref.jobId, { ref, resolve, reject, ...hooks, reportedTasks: new Set(), misses: 0 });
      this.interval = this.options.minMs;
      this.ensureLoop();
      this.kick();
    });
  }

  /** Stop watching a job (its wait never settles). */
  forget(jobId: string): void {
    this.watched.delete(jobId);
  }

  /** Query now instead of waiting for the next cycle. */
  kick(): void {
    this.inflight?.abort();
    const w = this.wake;
    this.wake = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    w?.();
  }

  get outstanding(): number {
    return this.watched.size;
  }

  private ensureLoop(): void {
    if (!this.unsubscribe && this.scheduler.subscribe) this.unsubscribe = this.scheduler.subscribe(() => this.kick());
    if (this.running) return;
    this.running = true;
    void this.loop().finally(() => {
      this.running = false;
      if (this.watched.size > 0) this.ensureLoop();
      else {
        this.unsubscribe?.();
        this.unsubscribe = undefined;
      }
    });
  }

  private async loop(): Promise<void> {
    while (this.watched.size > 0) {
      const batch = [...this.watched.values()];
      let statuses: Map<string, JobStatus> | undefined;
      const longPoll = this.scheduler.longPoll === true && this.options.longPoll !== false;
      const ac = longPoll ? new AbortController() : undefined;
      this.inflight = ac;
      try {
        this.cycles++;
        statuses = await this.scheduler.status(
          batch.map((w) => w.ref),
          ac ? { waitMs: this.interval, signal: ac.signal } : undefined,
        );
        this.errors = 0;
      } catch (err) {
        if (ac?.signal.aborted) {
          // kicked: a new job or a cancel needs a fresh answer; ask again at once
          this.cycles--;
          continue;
        }
        this.errors++;
        log('status query failed (%d in a row): %s', this.errors, (err as Error).message);
        if (this.errors >= (this.options.maxConsecutiveErrors ?? 30)) {
          for (const w of batch) {
            this.watched.delete(w.ref.jobId);
            w.reject(
              new TransportError(`cannot read the status of job ${w.ref.jobId} after ${this.errors} attempts: ${(err as Error).message}`, {
                scope: this.scheduler.name,
                jobId: w.ref.jobId,
                schedulerJobId: w.ref.schedulerJobId,
                cause: err,
              }),
            );
          }
          return;
        }
      }
      let changed = false;
      if (statuses) {
        for (const w of batch) {
          if (!this.watched.has(w.ref.jobId)) continue;
          changed = this.apply(w, statuses.get(w.ref.jobId)) || changed;
        }
      }
      this.inflight = undefined;
      if (this.watched.size === 0) return;
      this.interval = changed ? this.options.minMs : Math.min(this.options.maxMs, Math.ceil(this.interval * 1.5));
      if (longPoll && statuses) continue; // the round trip itself waited
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(() => {
          this.wake = undefined;
          this.timer = undefined;
          resolve();
        }, this.interval);
      });
    }
  }

  /** Apply one cycle's status to a watched job; true when something changed. */
  private apply(w: Watched, status: JobStatus | undefined): boolean {
    const prev = w.last;
    if (!status || status.state === 'unknown') {
      w.misses++;
      if (w.misses >= this.options.lostAfterPolls) {
        this.watched.delete(w.ref.jobId);
        const lastSeen = prev?.schedulerState ?? prev?.state ?? 'never seen';
        w.resolve({
          state: 'lost',
          schedulerState: prev?.schedulerState ?? 'UNKNOWN',
          reason: `the scheduler stopped reporting the job (last state seen: ${lastSeen}) and it left no result`,
        });
        return true;
      }
      return false;
    }
    w.misses = 0;
    w.last = status;
    const changed = !prev || prev.state !== status.state || prev.schedulerState !== status.schedulerState;
    // an array task's move (e.g. requeued: running → pending) is news for onStatus even when the whole is not
    if (changed || tasksMoved(prev, status)) w.onStatus?.(status);
    let taskChanged = false;
    if (status.tasks && w.onTask) {
      for (const [index, t] of status.tasks) {
        if (isTerminal(t.state) && !w.reportedTasks.has(index)) {
          w.reportedTasks.add(index);
          taskChanged = true;
          w.onTask(index, t);
        }
      }
    }
    if (isTerminal(status.state)) {
      this.watched.delete(w.ref.jobId);
      w.resolve(status);
    }
    return changed || taskChanged;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}

/** True when some array task's state differs from the previous status. */
function tasksMoved(prev: JobStatus | undefined, status: JobStatus): boolean {
  if (!status.tasks || !prev?.tasks) return false;
  for (const [i, t] of status.tasks) if (prev.tasks.get(i)?.state !== t.state) return true;
  return false;
}
