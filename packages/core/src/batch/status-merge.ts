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

/**
 * A single job the scheduler has just begun to report ended without saying how (`guessed`: PBS's wrappers
 * over SLURM show no exit status), while its folder has no exit code yet. Its exit code and the kill line the
 * scheduler writes into stderr can land just after the state flips (seen: qdel through the wrappers), so such
 * an end is held back for one round trip — reported `unknown`, which the watcher tolerates — and read with
 * whatever the folder holds by then. Only a job seen active on the previous round trip is held: a one-off
 * status query (a new process, `clustrix status`) reads the end at once.
 */
export function endJustGuessed(ref: JobRef, report: SchedulerReport | undefined, previous: SchedulerReport | undefined, marker: Pick<FolderMarkers, 'exitCode'> | undefined): boolean {
  if (ref.count !== undefined || marker?.exitCode !== undefined) return false;
  return report?.guessed === true && isTerminal(report.state) && previous !== undefined && !isTerminal(previous.state);
}
