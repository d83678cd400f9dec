/**
 * Jobs that vanished: the scheduler's status commands no longer report them and their folders hold
 * no exit-code marker, so the job script never got to write one (killed at a time or memory limit,
 * deleted, lost with its node). A dialect with `explainArgv` (SGE: `qacct -j`) is asked about those
 * jobs only, in a second round trip; what it cannot explain yet waits for a grace period (accounting
 * records can lag) and then ends `lost`, or `cancelled` when Clustrix itself cancelled the job.
 */
import { isTerminal, type JobRef, type TaskStatus } from '../scheduler/contract.js';
import type { SchedulerReport } from './dialect.js';
import type { RoundTripResult } from './round-trip.js';

export const DEFAULT_EXPLAIN_GRACE_MS = 60_000;

type Markers = RoundTripResult['markers'];

/**
 * Vanished jobs by scheduler id: `undefined` for a single job, or the 0-based indices of an array's
 * tasks that neither the report nor a marker accounts for.
 */
export function vanishedJobs(refs: readonly JobRef[], reports: ReadonlyMap<string, SchedulerReport>, markers: Markers): Map<string, number[] | undefined> {
  const out = new Map<string, number[] | undefined>();
  for (const ref of refs) {
    const report = reports.get(ref.schedulerJobId);
    const m = markers.get(ref.jobDir);
    if (ref.count === undefined) {
      if (m?.exitCode === undefined && !report) out.set(ref.schedulerJobId, undefined);
      continue;
    }
    if (report && !report.tasks) continue; // the report covers every task
    const missing: number[] = [];
    for (let i = 0; i < ref.count; i++) if (!m?.tasks.has(i) && !report?.tasks?.has(i)) missing.push(i);
    if (missing.length) out.set(ref.schedulerJobId, missing);
  }
  return out;
}

/** What stands in for a vanished job (or task) that nothing explains. */
export function standIn(how: 'cancelled' | 'lost' | 'waiting', scheduler: string, graceMs: number): TaskStatus & { schedulerState: string } {
  switch (how) {
    case 'cancelled':
      return { state: 'cancelled', schedulerState: 'deleted', reason: `cancelled by Clustrix; ${scheduler} no longer reports it` };
    case 'lost':
      return {
        state: 'lost',
        schedulerState: 'gone',
        reason: `${scheduler} no longer reports it, it left no exit code, and ${scheduler}'s accounting did not explain it within ${Math.round(graceMs / 1000)} s`,
      };
    default:
      return { state: 'running', schedulerState: 'exiting', reason: `${scheduler} no longer reports it; waiting for its accounting record` };
  }
}

/** The report of a vanished job: the scheduler's explanation where there is one, the stand-in elsewhere. */
export function explainedReport(
  report: SchedulerReport | undefined,
  explanation: SchedulerReport | undefined,
  tasks: number[] | undefined,
  fallback: TaskStatus & { schedulerState: string },
): SchedulerReport {
  if (tasks === undefined) return explanation ?? fallback;
  const merged = new Map(report?.tasks ?? []);
  for (const i of tasks) merged.set(i, explanation?.tasks?.get(i) ?? (explanation && !explanation.tasks ? explanation : fallback));
  const base = report ?? explanation ?? fallback;
  return { state: base.state, schedulerState: base.schedulerState, ...(base.reason ? { reason: base.reason } : {}), tasks: merged };
}

/** Status queries a signal exit may wait for the scheduler to say why before it counts as a crash. */
export const SIGNAL_EXIT_QUERIES = 6;

type ReportWord = Pick<SchedulerReport, 'state' | 'schedulerState' | 'reason' | 'guessed'>;

/**
 * A signal exit (exit code 128+N in the folder) can be seen before the scheduler says why: another
 * process ran `scancel`, the runner died of SIGTERM and wrote its marker, and squeue still says
 * RUNNING (or COMPLETING) for a moment. Such an exit is explained before it is classified: a job a
 * Clustrix process asked to cancel (this one, or any other: CANCEL_MARKER in its folder) is
 * cancelled; otherwise it reads as still running until the scheduler reports a terminal state, for
 * at most `limit` status queries that asked the scheduler (a long poll that skipped the scheduler's
 * commands does not count), and then as the crash its exit code says.
 */
export class SignalExits {
  private readonly waited = new Map<string, number>();

  constructor(
    private readonly scheduler: string,
    private readonly limit = SIGNAL_EXIT_QUERIES,
  ) {}

  /**
   * The status of task `key` (`<id>` or `<id>[<task>]`) whose marker says `code` > 128 and whose
   * report is not a terminal state that explains it; undefined: classify it from the exit code.
   * `asked`: this cycle asked the scheduler (its report is fresh).
   */
  read(key: string, code: number, report: ReportWord | undefined, cancelRequested: boolean, asked: boolean): TaskStatus | undefined {
    const signal = code - 128;
    if (cancelRequested) {
      this.waited.delete(key);
      return { state: 'cancelled', schedulerState: report?.schedulerState ?? 'CANCELLED', exitCode: code, reason: `cancelled by Clustrix (the runner ended with signal ${signal})` };
    }
    if (report && isTerminal(report.state)) {
      this.waited.delete(key); // the scheduler has spoken; failed, completed or a guess: the exit code decides
      const says = !report.guessed && report.state !== 'completed' && report.state !== 'failed';
      return says ? { state: report.state, schedulerState: report.schedulerState, exitCode: code, ...(report.reason ? { reason: report.reason } : {}) } : undefined;
    }
    const n = this.waited.get(key) ?? 0;
    if (n >= this.limit) {
      this.waited.delete(key);
      const said = report ? `still said ${report.schedulerState}` : 'no longer reported it';
      return { state: 'failed', schedulerState: report?.schedulerState ?? 'EXITED', exitCode: code, reason: `the runner ended with signal ${signal} and ${this.scheduler} ${said} after ${this.limit} status queries` };
    }
    if (asked) this.waited.set(key, n + 1);
    return {
      state: 'running',
      schedulerState: report?.schedulerState ?? 'EXITING',
      reason: `the runner ended with signal ${signal}; waiting for ${this.scheduler} to say why`,
    };
  }

  /** Forget jobs not in `current` (scheduler ids) once the table grows. */
  prune(current: ReadonlySet<string>, keep: number): void {
    if (this.waited.size <= keep) return;
    for (const key of this.waited.keys()) if (!current.has(key.replace(/\[\d+\]$/, ''))) this.waited.delete(key);
  }
}
