/**
 * A job's items as the supervisor settles them: each item settles once (an `item` event, then the
 * run hears it), the ones planned to go again keep their last outcome until they do, and a tally of
 * what ended well and badly goes into the record.
 */
import { CancelledError } from '../../errors.js';
import { emitJobEvent } from './events.js';
import type { Outcome } from './job-outcome.js';
import { Tally } from './supervisor-record.js';

export class ItemLedger {
  private readonly settled = new Set<number>();
  /** The last outcome of every item that is planned to go again. */
  readonly lastOutcomes = new Map<number, Outcome>();
  readonly tally = new Tally();

  constructor(
    private readonly jobId: string,
    private readonly isArray: boolean,
    private readonly onItem: (index: number, outcome: Outcome) => void,
  ) {}

  settle(index: number, outcome: Outcome): void {
    if (this.settled.has(index)) return;
    this.settled.add(index);
    this.lastOutcomes.delete(index);
    this.tally.add(outcome);
    emitJobEvent({ type: 'item', jobId: this.jobId, index, ok: outcome.ok, ...(!outcome.ok ? { error: outcome.error } : {}) });
    this.onItem(index, outcome);
  }

  /** Items that would have gone again but will not (cancelled, or the job was taken elsewhere): their last outcome is final. */
  settleAsFinal(items: number[], cancelled: boolean): void {
    for (const i of items) {
      const o = this.lastOutcomes.get(i);
      const error = new CancelledError(`job ${this.jobId}${this.isArray ? ` item ${i}` : ''} was cancelled before it could go again`, {
        jobId: this.jobId,
        ...(this.isArray ? { index: i } : {}),
      });
      this.settle(i, o ? (cancelled ? { ok: false, error } : o) : { ok: false, error });
    }
  }

  /** Items 0..total-1 that have no outcome yet end with a CancelledError. */
  settleRest(total: number): void {
    for (let i = 0; i < total; i++) {
      if (!this.settled.has(i)) this.settle(i, { ok: false, error: new CancelledError(`job ${this.jobId} item ${i} has no outcome`, { jobId: this.jobId }) });
    }
  }
}
