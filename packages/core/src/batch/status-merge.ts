/**
 * One job's status in a batch scheduler's round trip: what the scheduler reports, merged with what the
 * job folder holds. The folder says when a job is done and its exit code; the scheduler's word says why
 * a job ended without one.
 */
import { aggregateTaskStatus } from '../scheduler/aggregate.js';
import { isTerminal, type JobRef, type JobStatus, type TaskStatus } from '../scheduler/contract.js';
import type { SchedulerReport } from './dialect.js';
import type { FolderMarkers } from './round-trip.js';

type ReportWord = { schedulerState: string; state: TaskStatus['state']; reason?: string; guessed?: boolean };

/**
 * Reads a signal exit (code > 128) the report does not explain: the task (`undefined` for a single
 * job), the code, the report; undefined to classify it from the exit code (see SignalExits).
 */
export type SignalExitReader = (task: number | undefined, code: number, report: ReportWord | undefined) => TaskStatus | undefined;

function fromExit(code: number, report?: ReportWord, signalExit?: SignalExitReader, task?: number, signalReport: ReportWord | undefined = report): TaskStatus {
  // The scheduler's word explains an abnormal end better than the bare exit code (unless it only guessed).
  if (report && !report.guessed && isTerminal(report.state) && report.state !== 'completed' && report.state !== 'failed') {
    return { state: report.state, schedulerState: report.schedulerState, exitCode: code, ...(report.reason ? { reason: report.reason } : {}) };
  }
  const explained = code > 128 ? signalExit?.(task, code, signalReport) : undefined;
  if (explained) return explained;
  // The job ended by its own exit code: a scheduler word that is not final yet (RUNNING, SGE's `t`/`r`) is stale and
  // would mislead whoever reads the error's schedulerState, so it says EXITED then.
  const word = report && isTerminal(report.state) ? report.schedulerState : 'EXITED';
  return { state: code === 0 ? 'completed' : 'failed', schedulerState: word, exitCode: code };
}

function fromReport(r: { state: TaskStatus['state']; schedulerState: string; reason?: string; exitCode?: number }): TaskStatus {
  return {
    state: r.state,
    schedulerState: r.schedulerState,
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
  };
}

/** One job's status from what the scheduler reports and what its folder holds. */
export function mergeBatchStatus(ref: JobRef, report: SchedulerReport | undefined, marker: Pick<FolderMarkers, 'exitCode' | 'tasks'> | undefined, signalExit?: SignalExitReader): JobStatus {
  if (ref.count === undefined) {
    if (marker?.exitCode !== undefined) return fromExit(marker.exitCode, report, signalExit);
    return report ? fromReport(report) : { state: 'unknown' };
  }
  const tasks = new Map<number, TaskStatus>();
  let unknown = 0;
  for (let i = 0; i < ref.count; i++) {
    const code = marker?.tasks.get(i);
    const t = report?.tasks?.get(i);
    if (code !== undefined) tasks.set(i, fromExit(code, t, signalExit, i, t ?? (report && !report.tasks ? report : undefined)));
    else if (t) tasks.set(i, fromReport(t));
    else if (report && !report.tasks) tasks.set(i, fromReport(report));
    else {
      unknown++;
      tasks.set(i, { state: 'unknown' });
    }
  }
  if (unknown === ref.count && !report) return { state: 'unknown', tasks };
  const all = [...tasks.values()];
  const agg = aggregateTaskStatus(all.map((t) => (t.state === 'unknown' ? { ...t, state: report ? 'pending' : 'unknown' } : t)));
  return { ...agg, tasks };
}

/**
 * A job Clustrix asked to cancel that then ended `failed` or `lost` (the scheduler's word for a killed
 * job, e.g. PBS's exit status of a deleted job) ended because of the cancel.
 */
export function asCancelled(status: JobStatus): JobStatus {
  const one = (t: TaskStatus): TaskStatus =>
    t.state === 'failed' || t.state === 'lost' ? { ...t, state: 'cancelled', reason: `cancelled by Clustrix${t.reason ? `; ${t.reason}` : ''}` } : t;
  const tasks = status.tasks ? new Map([...status.tasks].map(([i, t]) => [i, one(t)] as const)) : undefined;
  return { ...one(status), ...(tasks ? { tasks } : {}) };
}

/** Round trips a guessed end is held for at most (the watcher's backoff makes that ~1-3 s). */
export const GUESSED_END_HOLD_ROUNDS = 4;

/**
 * A single job the scheduler reports ended without saying how (`guessed`: PBS's wrappers over SLURM show no exit
 * status), while its folder has no exit code yet. Its exit code, and the kill line the scheduler writes into
 * stderr, land after the state flips — seen: qdel through the wrappers, slurmstepd's "CANCELLED AT" line came a
 * few hundred ms after qstat said C, later still on a busy machine. Such an end is held back for up to
 * GUESSED_END_HOLD_ROUNDS round trips, reporting the job's last active state (the watcher sees no change, so it
 * counts no miss), and read with whatever the folder holds by then; an exit code ends the hold at once. Only a job
 * seen active by this scheduler is held: a one-off status query (a new process, `clustrix status`) reads the end
 * at once.
 */
export class GuessedEnds {
  /** The last active report of each job, and how many round trips its guessed end has been held. */
  private readonly active = new Map<string, SchedulerReport>();
  private readonly held = new Map<string, number>();

  /** The status to report instead of the guessed end (its last active state), or undefined to read the end now. */
  hold(ref: JobRef, report: SchedulerReport | undefined, marker: Pick<FolderMarkers, 'exitCode'> | undefined): JobStatus | undefined {
    const id = ref.schedulerJobId;
    if (report && !isTerminal(report.state)) {
      this.active.set(id, report);
      this.held.delete(id);
    }
    const last = this.active.get(id);
    if (ref.count !== undefined || marker?.exitCode !== undefined || !last || report?.guessed !== true || !isTerminal(report.state)) return undefined;
    const rounds = (this.held.get(id) ?? 0) + 1;
    if (rounds > GUESSED_END_HOLD_ROUNDS) return undefined;
    this.held.set(id, rounds);
    return { state: last.state, schedulerState: last.schedulerState };
  }

  /** Forget jobs no longer asked about once the maps grow past `limit`. */
  prune(current: ReadonlySet<string>, limit: number): void {
    for (const m of [this.active, this.held]) if (m.size > limit) for (const id of m.keys()) if (!current.has(id)) m.delete(id);
  }
}
