/**
 * What each item of a job used: the runner's own figures (from its result or error file) as items are
 * collected, and — once an attempt has ended — the scheduler's accounting for it, asked ONCE (a batch
 * scheduler answers the jobs that end together in one query), in the background of the call's result. The
 * scheduler's figures win where it
 * gives them, except a zero from a clock or a memory sampler too coarse to see a short job.
 */
import type { JobUsage } from '@clustrix/wire';
import type { AttemptRecord, JobRecord } from '../../registry/record.js';
import type { UsageReport } from '../../scheduler/contract.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import type { Outcome } from './job-outcome.js';

const USAGE_TRIES = 5;
const USAGE_RETRY_MS = 1000;
const FIGURES = ['elapsedMs', 'cpuMs', 'maxRssBytes', 'cpus', 'gpus'] as const;

/** The scheduler's figures over the runner's; undefined when neither says anything. */
export function mergeUsage(runner: JobUsage | undefined, scheduler: JobUsage | undefined): JobUsage | undefined {
  if (!scheduler) return runner;
  if (!runner) return scheduler;
  const merged: JobUsage = { ...runner, source: scheduler.source };
  let fromRunner = false;
  for (const k of FIGURES) {
    const s = scheduler[k];
    const r = runner[k];
    if (s !== undefined && !(s === 0 && r !== undefined && r > 0)) merged[k] = s;
    else if (r !== undefined) fromRunner = true;
  }
  if (fromRunner) merged.source = `${scheduler.source}+runner`;
  return merged;
}

export class UsageLedger {
  /** The runner's figures by original item index, from the outcomes collected. */
  private readonly fromRunner = new Map<number, JobUsage>();

  /** Keep what the runner reported for item `index`; returns the outcome. */
  note(index: number, outcome: Outcome): Outcome {
    if (outcome.usage) this.fromRunner.set(index, outcome.usage);
    return outcome;
  }

  private readonly writes: Promise<void>[] = [];

  /**
   * Ask about ended attempt `a` in the background and hand its figures to `save`: the attempt's end, and the
   * call's result, never wait for the accounting query (turnaround first; `usage()` waits for it instead).
   */
  recordInBackground(rt: ClusterRuntime, a: AttemptRecord, indices: number[], isArray: boolean, save: (used: Record<string, JobUsage>) => Promise<void>): void {
    this.writes.push(this.ended(rt, a, indices, isArray).then((used) => (Object.keys(used).length ? save(used) : undefined)).catch(() => undefined));
  }

  /** Resolves once every background usage write has been made. */
  async settled(): Promise<void> {
    await Promise.all(this.writes);
  }

  /** The figures of ended attempt `a`'s items (`indices`, in task order), by original index. Never throws. */
  async ended(rt: ClusterRuntime, a: AttemptRecord, indices: number[], isArray: boolean): Promise<Record<string, JobUsage>> {
    let report: UsageReport | undefined;
    // The accounting can lag the result file (OpenPBS's MoM reports the end ~1 s later; qacct writes its record
    // late): a scheduler that has nothing final yet is asked again, a few times, a second apart.
    for (let i = 0; rt.scheduler.usage && a.ref && !report && i < USAGE_TRIES; i++) {
      if (i) await new Promise((r) => setTimeout(r, USAGE_RETRY_MS));
      report = (await rt.scheduler.usage([a.ref]).catch(() => new Map<string, UsageReport>())).get(a.ref.jobId);
    }
    const out: Record<string, JobUsage> = {};
    indices.forEach((i, t) => {
      const merged = mergeUsage(this.fromRunner.get(i), isArray ? report?.tasks?.get(t) : report?.job);
      if (merged) out[String(i)] = merged;
    });
    return out;
  }
}

/** Lay an attempt's figures over the record's (a later attempt's figures replace an item's earlier ones). */
export function addUsage(r: JobRecord, used: Record<string, JobUsage>): void {
  if (Object.keys(used).length) r.usage = { ...r.usage, ...used };
}
