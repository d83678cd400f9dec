/** What a submitted call gives back: its id, its state, a way to cancel it, and its result. */
import type { JobUsage } from '@clustrix/wire';
import type { RecordState } from '../../registry/record.js';
import type { JobRef, JobStatus } from '../../scheduler/contract.js';
import type { CallRun } from './call-run.js';

export class JobHandle<T = unknown> {
  constructor(
    private readonly run: CallRun,
    private readonly index = 0,
  ) {}

  /** Clustrix's job id (the job folder's name). */
  get id(): string {
    return this.run.jobId;
  }

  /** The cluster profile's name, once resolved. */
  get cluster(): string | undefined {
    return this.run.state.cluster;
  }

  /** The scheduler's id for the job (its current attempt, after a retry), once submitted. */
  get schedulerJobId(): string | undefined {
    return this.run.state.ref?.schedulerJobId;
  }

  /** The last state seen (no query); `retrying` while a retry or a resume waits to be submitted. */
  get state(): RecordState {
    return this.run.state.state;
  }

  /** Resolves with the scheduler's reference once the job is submitted. */
  submitted(): Promise<JobRef> {
    return this.run.ref;
  }

  /** Ask the scheduler now. */
  status(): Promise<JobStatus | { state: 'preparing' | 'submitting' }> {
    return this.run.status();
  }

  /** Cancel the job (and any retry of it); its result then rejects with a CancelledError. */
  cancel(): Promise<void> {
    return this.run.cancel();
  }

  /**
   * What the job used — elapsed time, CPU time, peak memory, and the CPUs and GPUs it had where the
   * scheduler says — once it has ended (whether it succeeded or not); undefined when nothing reported it.
   * For the array job of a `map`, item `index` of it (`batch.jobs[0].usage(i)`).
   */
  usage(index = this.index): Promise<JobUsage | undefined> {
    return this.run.usage(index);
  }

  /** The method's result, or what it threw. */
  result(): Promise<T> {
    return this.run.items[this.index]!.promise as Promise<T>;
  }
}
