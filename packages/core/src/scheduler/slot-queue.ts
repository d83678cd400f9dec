/**
 * The CPU-slot queue of the schedulers that run tasks themselves (local, ssh): tasks wait in FIFO order
 * until their job's CPUs fit in what is free; a job's `concurrency` caps how many of its tasks hold
 * slots at once. The queue only keeps the accounts — the scheduler starts what `take()` hands it and
 * calls `release()` when a task ends (or fails to start).
 */

/** The environment variable holding an array task's index (base 0) where the scheduler sets it itself (local, ssh). */
export const ARRAY_INDEX_ENV = 'CLUSTRIX_ARRAY_INDEX';

/** What the queue needs to know of a task's job: CPUs per task, and at most this many of its tasks at once. */
export interface SlotJob {
  readonly cpus: number;
  readonly concurrency: number;
}

/** A queued task: anything that names its job. */
export interface SlotTask {
  readonly job: SlotJob;
}

export class SlotQueue<T extends SlotTask> {
  private readonly waiting: T[] = [];
  private readonly holding = new Set<T>();
  private readonly runningOf = new Map<SlotJob, number>();
  private usedCpus = 0;

  /** `capacity`: the CPUs shared by every job. */
  constructor(readonly capacity: number) {}

  /** CPUs held by started tasks. */
  get used(): number {
    return this.usedCpus;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Tasks of `job` holding slots. */
  running(job: SlotJob): number {
    return this.runningOf.get(job) ?? 0;
  }

  /** Queue a task behind every waiting one. */
  enqueue(task: T): void {
    this.waiting.push(task);
  }

  /**
   * The waiting tasks that fit now, in queue order; each holds its job's CPUs until `release`.
   * A task whose job is at its `concurrency` is passed over; one whose CPUs do not fit stops the
   * scan, so a large job is not overtaken by smaller ones behind it.
   */
  take(): T[] {
    const started: T[] = [];
    for (let i = 0; i < this.waiting.length; ) {
      const task = this.waiting[i]!;
      const { job } = task;
      const fits = this.usedCpus + job.cpus <= this.capacity;
      if (!fits) break;
      if (this.running(job) >= job.concurrency) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.hold(task);
      started.push(task);
    }
    return started;
  }

  /** Free a task's slots (it ended or could not start). A task that holds none is left alone. */
  release(task: T): void {
    if (!this.holding.delete(task)) return;
    this.usedCpus -= task.job.cpus;
    const left = this.running(task.job) - 1;
    if (left > 0) this.runningOf.set(task.job, left);
    else this.runningOf.delete(task.job);
  }

  /** Take a waiting task out of the queue (cancelled before it started); false when it was not waiting. */
  remove(task: T): boolean {
    const i = this.waiting.indexOf(task);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  /** Release started tasks and put them back at the head of the queue, in the given order (their start failed for now). */
  putBack(tasks: readonly T[]): void {
    for (const task of tasks) this.release(task);
    this.waiting.unshift(...tasks);
  }

  private hold(task: T): void {
    this.holding.add(task);
    this.usedCpus += task.job.cpus;
    this.runningOf.set(task.job, this.running(task.job) + 1);
  }
}
