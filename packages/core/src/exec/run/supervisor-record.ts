/**
 * The supervisor's copy of a job's record and its writes to the registry: applied here and on disk,
 * one after the other in the order they were made. Plus the rules for what a record says of ended
 * attempts and of the process that owns the job.
 */
import type { JobRecord, AttemptRecord } from '../../registry/record.js';
import { processAlive } from '../../registry/lock.js';
import type { JobRegistry } from '../../registry/store.js';
import { isTerminal, type JobState, type JobStatus } from '../../scheduler/contract.js';
import type { Outcome } from './job-outcome.js';
import { logger } from '../../util/debug.js';

const log = logger('retry');

export class RecordBook {
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly registry: JobRegistry,
    public record: JobRecord,
  ) {}

  /** Update the record here and on disk, in order (a failed write is logged: the job goes on). */
  persist(fn: (r: JobRecord) => void | false): Promise<void> {
    const write = this.writes.then(async () => {
      try {
        const written = await this.registry.update(this.record.id, (r) => fn(r));
        if (written) this.record = written;
        else fn(this.record);
      } catch (err) {
        log('cannot update the registry record of %s: %s', this.record.id, (err as Error).message);
        fn(this.record);
      }
    });
    this.writes = write;
    return write;
  }
}

/** A planned attempt not submitted this long after its time means its owner is not doing it (gone, or a reused pid). */
const OWNER_SLACK_MS = 60_000;

/** True when the record's owner is alive and keeping to its plan. */
export function ownerAtWork(r: JobRecord): boolean {
  if (!processAlive(r.owner.pid, r.owner.host)) return false;
  return !r.pending || Date.now() < Date.parse(r.pending.notBefore) + OWNER_SLACK_MS;
}

/**
 * The scheduler's word for an ended job, unless it is one for an active job: the folder can show a
 * job finished while the scheduler still says RUNNING or COMPLETING for a moment.
 */
export function endedWord(word: string | undefined): string | undefined {
  return word && !/^(RUNNING|PENDING|COMPLETING|CONFIGURING|STARTING|QUEUED|R|PD|CG|r|qw|t)$/.test(word) ? word : undefined;
}

export function endedFields(final: JobStatus): Partial<AttemptRecord> {
  const word = endedWord(final.schedulerState);
  return {
    state: final.state,
    ...(word ? { schedulerState: word } : {}),
    ...(final.reason ? { reason: final.reason } : {}),
    endedAt: new Date().toISOString(),
  };
}

/** Items that ended well and badly, and the first error (for the record's `outcome`). */
export class Tally {
  succeeded = 0;
  failed = 0;
  firstError: { name: string; message: string } | undefined;

  add(outcome: Outcome): void {
    if (outcome.ok) {
      this.succeeded++;
      return;
    }
    this.failed++;
    if (!this.firstError) {
      const e = outcome.error as { name?: string; message?: string };
      this.firstError = { name: e?.name ?? 'Error', message: String(e?.message ?? outcome.error).split('\n')[0]!.slice(0, 500) };
    }
  }
}

/**
 * A record that is already final (ended by another process, by `clustrix cancel`, or collected
 * before) keeps its state and times: a later read (`result`, `attach`) only fills in what is missing.
 */
export function keepFinal(r: JobRecord, tally: Tally): false | void {
  const missing = !r.endedAt || !r.outcome || r.attempts.some((a) => a.ref && !a.state);
  if (!missing) return false;
  const at = r.endedAt ?? new Date().toISOString();
  r.endedAt = at;
  r.outcome ??= { succeeded: tally.succeeded, failed: tally.failed, ...(tally.firstError ? { error: tally.firstError } : {}) };
  for (const a of r.attempts) if (a.ref && !a.state) Object.assign(a, { state: r.state as JobState, endedAt: at });
}

/** Write how the job ended into its record: the state (completed only when every item succeeded), the outcome. */
export function endRecord(r: JobRecord, tally: Tally, last: JobStatus | undefined, isArray: boolean, cancelled: boolean): void {
  const ok = tally.failed === 0;
  const state: JobState = ok ? 'completed' : last && isTerminal(last.state) && last.state !== 'completed' && !isArray ? last.state : 'failed';
  r.state = cancelled && !ok ? 'cancelled' : state;
  delete r.pending;
  r.endedAt = new Date().toISOString();
  const word = endedWord(last?.schedulerState);
  if (word) r.schedulerState = word;
  else delete r.schedulerState;
  if (last?.reason && !ok) r.reason = last.reason;
  else delete r.reason;
  r.outcome = { succeeded: tally.succeeded, failed: tally.failed, ...(tally.firstError ? { error: tally.firstError } : {}) };
}
