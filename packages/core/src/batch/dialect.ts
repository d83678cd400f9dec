/**
 * What a batch scheduler package (SLURM, PBS, SGE) fills in: mostly pure functions that render the
 * job script, build command lines and parse command output. Core turns a dialect into a Scheduler
 * (batch/scheduler.ts) that runs the commands through the transport, in one round trip per status
 * cycle, and reads the job folders' completion markers in that same round trip.
 */
import type { z } from 'zod';
import type { ResourceKey } from '../options.js';
import type { Resources } from '../resources/normalize.js';
import type { JobState, KillPatterns, SchedulerLimits, UsageReport } from '../scheduler/contract.js';

export interface BatchJobSpec {
  jobId: string;
  /** Absolute job folder on the cluster. */
  jobDir: string;
  /** argv that runs the runner for this job (array tasks read their index from `arrayIndex.env`). */
  command: string[];
  /** Array size; undefined for a single job. */
  count?: number;
  /** Array concurrency cap. */
  concurrency?: number;
  resources: Resources;
  /** A readable name (`Class.method`) for when `jobName` is not set. */
  label?: string;
  /** Scheduler-specific profile options (validated by the dialect's optionsShape). */
  profile: Record<string, unknown>;
  /**
   * Deliver `signal` (e.g. `USR1`) to the runner `seconds` before the time limit: the job checkpoints
   * (see docs/reliability.md). A dialect that cannot ignores it; the runner's own timer still works.
   */
  signalBeforeEnd?: { signal: string; seconds: number };
}

/** One command's output in a status round trip. */
export interface CommandOutput {
  stdout: string;
  code: number;
}

/** What the scheduler says of one job (by scheduler id), and of its array tasks (by 0-based index). */
export interface SchedulerReport {
  state: JobState;
  schedulerState: string;
  reason?: string;
  exitCode?: number;
  /** The scheduler saw the job end but cannot say how (PBS's SLURM wrappers): an exit-code marker, when there is one, decides. */
  guessed?: boolean;
  tasks?: Map<number, { state: JobState; schedulerState: string; reason?: string; exitCode?: number; guessed?: boolean }>;
}

export interface BatchDialect {
  readonly name: string;
  /** Resource keys this scheduler honours. */
  readonly supports: ReadonlySet<ResourceKey>;
  /** Variable holding an array task's index in the job, and the index of the first task. */
  readonly arrayIndex: { env: string; base: number };
  readonly poll?: { minMs: number; maxMs: number };
  /** What the scheduler's kills leave in a job's stderr (see Scheduler.killPatterns). */
  readonly killPatterns?: KillPatterns;
  /** Which variant of the scheduler this dialect speaks and how that was found (PBS: pbspro or torque), for `clustrix doctor`. */
  readonly variant?: string;
  /** Extra profile keys of this scheduler. */
  readonly optionsShape?: Record<string, z.ZodType>;
  /** The job script, as text. Pure: every value quoted, directives sorted. */
  render(spec: BatchJobSpec): string;
  /** argv submitting the script at `scriptPath` (options that must be on the command line go here). */
  submitArgv(scriptPath: string, spec: BatchJobSpec): string[];
  /** The scheduler's job id from the submit command's stdout. Throws when there is none. */
  parseJobId(stdout: string): string;
  /**
   * Optional: true when a failed submit certainly submitted nothing and may be run again (SLURM: the
   * controller refused the connection while it restarts). Core then runs it again every 2 s, up to 30 times.
   */
  submitRefusedSafely?(output: { code: number; stdout: string; stderr: string }): boolean;
  /** Commands that report ALL given jobs; run together in one round trip. */
  statusArgv(ids: readonly string[]): string[][];
  /** Reports by scheduler job id, from the outputs of statusArgv's commands (same order). */
  parseStatus(outputs: readonly CommandOutput[], ids: readonly string[]): Map<string, SchedulerReport>;
  cancelArgv(ids: readonly string[]): string[];
  /**
   * Optional: commands that explain jobs the status commands no longer report and whose folders hold
   * no exit-code marker (killed for a time or memory limit, deleted, lost with their node), e.g.
   * SGE's `qacct -j ID`. Core runs them in a second round trip ONLY in cycles where such jobs (or
   * array tasks) exist, for those jobs only. With `explainArgv`, a job nobody explains waits (as
   * running) for `explainGraceMs` and then ends `lost`; one that Clustrix cancelled ends `cancelled`.
   */
  explainArgv?(ids: readonly string[]): string[][];
  /** Reports for the jobs the outputs of explainArgv's commands explain; a job left out is not explained (yet). */
  parseExplain?(outputs: readonly CommandOutput[], ids: readonly string[]): Map<string, SchedulerReport>;
  /** How long to keep asking before an unexplained job counts as lost, ms (default 60 s); may read the profile. */
  explainGraceMs?(profile: Record<string, unknown>): number;
  /**
   * Optional: commands that say what ended jobs used (SLURM's sacct, SGE's qacct, PBS's qstat -f -x).
   * Core runs them ONCE per ended job, in one round trip for the jobs that end together (batch/usage.ts).
   */
  usageArgv?(ids: readonly string[]): string[][];
  /** Usage by scheduler job id, from the outputs of usageArgv's commands (same order); a job left out is unknown. */
  parseUsage?(outputs: readonly CommandOutput[], ids: readonly string[]): Map<string, UsageReport>;
  /** Optional: commands that print the cluster's limits (SLURM's `scontrol show config`); run once per connection. */
  limitsArgv?(): string[][];
  /** The limits from the outputs of limitsArgv's commands (same order); what it cannot find is left out. */
  parseLimits?(outputs: readonly CommandOutput[]): SchedulerLimits;
}
