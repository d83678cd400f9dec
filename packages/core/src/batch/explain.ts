/**
 * Jobs that vanished: the scheduler's status commands no longer report them and their folders hold
 * no exit-code marker, so the job script never got to write one (killed at a time or memory limit,
 * deleted, lost with its node). A dialect with `explainArgv` (SGE: `qacct -j`) is asked about those
 * jobs only, in a second round trip; what it cannot explain yet waits for a grace period (accounting
 * records can lag) and then ends `lost`, or `cancelled` when Clustrix itself cancelled the job.
 */
import type { JobRef, TaskStatus } from '../scheduler/contract.js';
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
