/** The result of `map`: awaitable (results in input order), iterable as items finish, settled on demand. */
import type { JobUsage } from '@clustrix/wire';
import { BatchError, type SettledResult } from '../errors.js';
import type { JobHandle } from '../exec/run/job-handle.js';

export interface MapProgress {
  total: number;
  done: number;
  succeeded: number;
  failed: number;
  /** The item that just finished. */
  index: number;
}

export interface BatchControl {
  cancel(): Promise<void>;
  jobs(): JobHandle[];
  /** Resolves with every job's handle once all are submitted. */
  submitted?(): Promise<JobHandle[]>;
  /** What each item used, in input order (the batch's items may come from several jobs). */
  usage?(): Promise<Array<JobUsage | undefined>>;
}

export class Batch<R> implements PromiseLike<R[]>, AsyncIterable<SettledResult<R>> {
  private promises: Promise<R>[] = [];
  private outcomes: Array<SettledResult<R> | undefined> = [];
  private readonly order: number[] = [];
  private waiters: Array<() => void> = [];
  private readonly allSettled: Promise<SettledResult<R>[]>;
  /** Resolves once the items are known (at once, unless the batch was built from a promise of them). */
  private readonly ready: Promise<void>;

  /** `promises`: the items, or a promise of them (a batch attached from the registry knows its size later). */
  constructor(
    promises: Promise<R>[] | Promise<Promise<R>[]>,
    private readonly control: BatchControl = { cancel: async () => undefined, jobs: () => [] },
    onProgress?: (p: MapProgress) => void,
  ) {
    if (Array.isArray(promises)) {
      this.allSettled = this.track(promises, onProgress);
      this.ready = Promise.resolve();
    } else {
      this.ready = promises.then((list) => {
        this.promises = list;
      });
      this.ready.catch(() => undefined);
      this.allSettled = promises.then((list) => this.track(list, onProgress));
      this.allSettled.catch(() => undefined);
    }
  }

  private track(promises: Promise<R>[], onProgress?: (p: MapProgress) => void): Promise<SettledResult<R>[]> {
    this.promises = promises;
    this.outcomes = new Array(promises.length).fill(undefined);
    let done = 0;
    let failed = 0;
    const settle = (index: number, outcome: SettledResult<R>) => {
      this.outcomes[index] = outcome;
      this.order.push(index);
      done++;
      if (outcome.status === 'rejected') failed++;
      onProgress?.({ total: promises.length, done, succeeded: done - failed, failed, index });
      const w = this.waiters;
      this.waiters = [];
      for (const wake of w) wake();
    };
    return Promise.all(
      promises.map((p, index) =>
        p.then(
          (value) => settle(index, { status: 'fulfilled', index, value }),
          (reason: unknown) => settle(index, { status: 'rejected', index, reason }),
        ),
      ),
    ).then(() => this.outcomes as SettledResult<R>[]);
  }

  /** Number of items (0 until an attached batch has read its job's record). */
  get size(): number {
    return this.promises.length;
  }

  /**
   * One handle per job the batch created so far (usually one array job; several when the map was larger than the
   * cluster's array limit), in input order. A map creates its jobs once it knows that limit: `await batch.submitted()`
   * to have them all.
   */
  get jobs(): JobHandle[] {
    return this.control.jobs();
  }

  /** Resolves, once every job of the batch has been submitted, with their handles (as `jobs`). */
  submitted(): Promise<JobHandle[]> {
    return this.control.submitted ? this.control.submitted() : Promise.resolve(this.jobs);
  }

  /** Every item's outcome, in input order. Never rejects. */
  settled(): Promise<SettledResult<R>[]> {
    return this.allSettled;
  }

  /** The results in input order; rejects with a BatchError holding every outcome if any item failed. */
  async results(): Promise<R[]> {
    const all = await this.allSettled;
    const failed = all.filter((r) => r.status === 'rejected');
    if (failed.length) {
      const first = failed[0]!;
      const msg = first.reason instanceof Error ? first.reason.message : String(first.reason);
      throw new BatchError(`${failed.length} of ${all.length} items failed; item ${first.index}: ${msg.split('\n')[0]}`, all, {
        cause: first.reason,
      });
    }
    return all.map((r) => (r as { value: R }).value);
  }

  then<A = R[], B = never>(onfulfilled?: ((value: R[]) => A | PromiseLike<A>) | null, onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.results().then(onfulfilled, onrejected);
  }

  /** Each item's outcome as it finishes. */
  async *[Symbol.asyncIterator](): AsyncIterator<SettledResult<R>> {
    await this.ready;
    let next = 0;
    while (next < this.promises.length) {
      if (next < this.order.length) {
        yield this.outcomes[this.order[next++]!]!;
        continue;
      }
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  /**
   * What each item used (elapsed time, CPU time, peak memory...), in input order, once every item has ended;
   * undefined for an item nothing reported on. `summarizeUsage(await getJob(batch.jobs[0].id))` gives the
   * min / median / max and efficiency lines `clustrix status` prints.
   */
  async usage(): Promise<Array<JobUsage | undefined>> {
    await this.allSettled;
    return this.control.usage ? this.control.usage() : new Array<undefined>(this.size).fill(undefined);
  }

  /** Cancel every job of the batch. */
  cancel(): Promise<void> {
    return this.control.cancel();
  }
}

