/**
 * The scheduler contract: what a scheduler package implements and core drives
 * (stage → submit → watch → collect). Keep it small: submit one job or one array, report the status
 * of ALL outstanding jobs in one round trip, cancel.
 */
import type { z } from 'zod';
import type { JobUsage } from '@clustrix/wire';
import type { ClusterProfile } from '../config/schema.js';
import type { JobOptions, ResourceKey } from '../options.js';
import type { Transport } from '../transport/contract.js';

export type JobState =
  | 'pending'
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'timeout'
  | 'out_of_memory'
  | 'node_fail'
  | 'preempted'
  /** The scheduler no longer knows the job and it left no result. */
  | 'lost'
  /** The scheduler did not report the job this cycle. */
  | 'unknown';

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set([
  'completed',
  'failed',
  'cancelled',
  'timeout',
  'out_of_memory',
  'node_fail',
  'preempted',
  'lost',
]);

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.has(state);
}

export interface TaskStatus {
  state: JobState;
  /** The scheduler's own word for the state (`TIMEOUT`, `qw`, `OOMKilled`...). */
  schedulerState?: string;
  /** Why: the scheduler's reason (`Resources`, `failed 37 : qmaster enforced h_rt`...). */
  reason?: string;
  exitCode?: number;
}

export interface JobStatus extends TaskStatus {
  /** Per-task status of an array job, by 0-based index. */
  tasks?: Map<number, TaskStatus>;
}

export interface StatusOptions {
  /** Wait up to this long for a job to finish before answering (long poll). */
  waitMs?: number;
  signal?: AbortSignal;
}

/** What core hands a scheduler to submit. */
export interface SubmitRequest {
  /** Clustrix's job id (the job folder's name). */
  jobId: string;
  /** Absolute path of the job folder on the cluster. */
  jobDir: string;
  /** The command that runs one task: `[...node, runner, jobDir]`; for arrays the scheduler appends nothing — the runner reads the index from `indexEnv`. */
  command: string[];
  /** Number of array tasks; undefined for a single job. */
  count?: number;
  /** At most this many array tasks at once. */
  concurrency?: number;
  /** The job's resolved options (resources, env, setup...). */
  options: JobOptions;
  /** A readable name for the job (`Class.method`), used when `jobName` is not set. */
  label?: string;
}

export interface JobRef {
  jobId: string;
  /** The scheduler's id (SLURM job id, pid, Kubernetes Job name...). */
  schedulerJobId: string;
  jobDir: string;
  count?: number;
  /** Anything else the scheduler needs to find the job again. */
  extra?: Record<string, unknown>;
}

/** What a scheduler says an ended job used: the job's figures, and each array task's (by 0-based index). */
export interface UsageReport {
  job?: JobUsage;
  tasks?: Map<number, JobUsage>;
}

/**
 * The lines a scheduler leaves in a killed job's stderr (slurmstepd's, PBS MoM's...): they tell a memory
 * or time-limit kill apart when the scheduler's state cannot. Each pattern should match the whole line
 * from where it starts (end it with `.*`); the match, trimmed, goes into the error's message.
 */
export interface KillPatterns {
  memory: readonly RegExp[];
  time: readonly RegExp[];
}

/** What the cluster allows, as read from it once per connection (or set in the profile). */
export interface SchedulerLimits {
  /** Most items one array job may have; undefined when no limit is known. */
  maxArrayItems?: number;
  /** Where that came from, for `clustrix doctor` (e.g. `scontrol show config: MaxArraySize = 1001`). */
  source: string;
}

export interface Scheduler {
  readonly name: string;
  /** Resource keys this scheduler honours; any other one that is set is rejected before submission. */
  readonly supports: ReadonlySet<ResourceKey>;
  /** The environment variable holding an array task's index, and its base (SLURM_ARRAY_TASK_ID, 0). */
  readonly arrayIndex: { env: string; base: number };
  /** Poll intervals that suit this scheduler. */
  readonly poll?: { minMs: number; maxMs: number };
  /** What its kills leave in a job's stderr (Node's own heap limit is known to core). */
  readonly killPatterns?: KillPatterns;
  submit(request: SubmitRequest): Promise<JobRef>;
  /**
   * Status of every given job, in one round trip. Jobs the scheduler does not know are left out or
   * `unknown`. A scheduler with `longPoll` may hold the round trip up to `waitMs` until a job's
   * folder shows it finished (the watcher aborts `signal` when it needs an answer sooner).
   */
  status(refs: readonly JobRef[], options?: StatusOptions): Promise<Map<string, JobStatus>>;
  /** True when status() can wait for completions itself (see StatusOptions.waitMs). */
  readonly longPoll?: boolean;
  cancel(refs: readonly JobRef[]): Promise<void>;
  /**
   * Optional: what ended jobs used (elapsed, CPU time, peak memory), by Clustrix job id. Core asks once
   * per attempt, when it has ended; a batch scheduler answers the jobs that end together in one round
   * trip. Never throws: a job left out is unknown (the runner's own figures then stand).
   */
  usage?(refs: readonly JobRef[]): Promise<Map<string, UsageReport>>;
  /** Optional: the cluster's limits (asked once; never throws: what cannot be read is left out). */
  limits?(): Promise<SchedulerLimits>;
  /** Optional push: call `listener` when something may have changed (a child exited, a watch event). */
  subscribe?(listener: () => void): () => void;
  close?(): Promise<void>;
}

export interface SchedulerContext {
  clusterName: string;
  profile: ClusterProfile;
  transport: Transport;
  /** Absolute remote root on the cluster. */
  remoteRoot: string;
}

/** What a scheduler package exports (as `scheduler` or default). */
export interface SchedulerFactory {
  readonly name: string;
  /** Extra keys a cluster profile of this scheduler may carry, with their schemas. */
  readonly optionsShape?: Record<string, z.ZodType>;
  /** Build a transport of its own instead of core's local/SSH one (Kubernetes). */
  createTransport?(profile: ClusterProfile): Transport | Promise<Transport>;
  create(context: SchedulerContext): Scheduler | Promise<Scheduler>;
}
