/**
 * What happens to jobs, as events — for a dashboard, a log line per job, or a progress display
 * where no terminal is attached (maps draw a bar on a TTY by themselves):
 *
 *   const off = onJobEvent((e) => { if (e.type === 'retry') console.log(`${e.jobId}: ${e.reason}`); });
 *   ...
 *   off();
 *
 * Listeners run synchronously where the event happens; a listener that throws is logged and
 * ignored (it never breaks a job).
 */
import type { RecordState } from '../../registry/record.js';
import { logger } from '../../util/debug.js';
import { currentInstance } from '../../util/instance-state.js';

const log = logger('events');

export type JobEvent =
  /** A job (or a retry/resume attempt of it) was accepted by its scheduler. */
  | { type: 'submitted'; jobId: string; cluster: string; scheduler: string; schedulerJobId: string; attempt: number; items?: number }
  /** The job's state changed (pending, running, retrying, completed, failed...). */
  | { type: 'state'; jobId: string; state: RecordState; schedulerState?: string }
  /** An item (index 0 for a single call) has its final outcome. */
  | { type: 'item'; jobId: string; index: number; ok: boolean; error?: unknown }
  /** Items failed for an infrastructure reason and will be submitted again after `delayMs`. */
  | { type: 'retry'; jobId: string; attempt: number; indices: number[]; reason: string; delayMs: number }
  /**
   * The scheduler put a started job (or array items: `indices`) back in its queue — its node failed
   * or it was preempted — and will run it again by itself (SLURM requeue). No new attempt.
   */
  | { type: 'requeued'; jobId: string; attempt: number; indices?: number[]; schedulerState?: string; reason?: string }
  /** Items checkpointed before their time limit and will be resumed. */
  | { type: 'checkpoint'; jobId: string; attempt: number; indices: number[] }
  /** Every item has its final outcome. */
  | { type: 'done'; jobId: string; state: RecordState; ok: boolean };

export type JobEventListener = (event: JobEvent & { at: Date }) => void;

/** The current Clustrix instance's listeners. */
const LISTENERS = Symbol('job event listeners');
const listenersOf = () => currentInstance().slot(LISTENERS, () => new Set<JobEventListener>());

/** Listen to every job event of this process's current Clustrix instance; returns the function that stops listening. */
export function onJobEvent(listener: JobEventListener): () => void {
  const listeners = listenersOf();
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function emitJobEvent(event: JobEvent): void {
  const listeners = listenersOf();
  if (!listeners.size) return;
  const e = { ...event, at: new Date() };
  for (const l of [...listeners]) {
    try {
      l(e);
    } catch (err) {
      log('a job event listener threw: %s', (err as Error)?.message ?? String(err));
    }
  }
}
