/**
 * What the registry keeps for each job: enough for a new process to find the job again (cluster,
 * profile, scheduler reference, remote folder), to continue its retries and checkpoint resumes
 * (attempts, options), and to list it (method, state, times). Environment values are never kept:
 * they may be secrets, and the job folder on the cluster already holds them.
 */
import { hostname } from 'node:os';
import type { JobUsage } from '@clustrix/wire';
import type { ClusterProfile } from '../config/schema.js';
import type { JobOptions } from '../options.js';
import { isTerminal, type JobRef, type JobState } from '../scheduler/contract.js';

export const RECORD_VERSION = 1;

/** A job's state as the registry shows it: a scheduler state, or where the client is with it. */
export type RecordState = JobState | 'preparing' | 'submitting' | 'retrying';

/** One submission of (some of) a job's items: the first, a retry, or a resume from a checkpoint. */
export interface AttemptRecord {
  /** 0 for the first submission. */
  n: number;
  /** The attempt's own job id: the logical id for attempt 0, `<id>-r<n>` after. Its folder's name. */
  jobId: string;
  jobDir: string;
  ref?: JobRef;
  /** Original item indices this attempt runs, in task order (arrays after attempt 0). */
  indices?: number[];
  /** Items in it because they failed before (`retries`). */
  retried?: number[];
  /** Items in it because they checkpointed (`checkpoints`). */
  resumed?: number[];
  submittedAt?: string;
  /** Set once the attempt has ended and its items were classified. */
  state?: JobState;
  schedulerState?: string;
  reason?: string;
  endedAt?: string;
}

/** Items waiting for the next attempt (written when an attempt ends, before the retry delay). */
export interface PendingAttempt {
  retry: number[];
  resume: number[];
  /** ISO time before which the next attempt is not submitted (retry backoff). */
  notBefore: string;
  /** Why, for `clustrix status`. */
  reason: string;
}

export interface JobRecord {
  v: number;
  /** Clustrix's job id (the first attempt's folder name). */
  id: string;
  cluster: string;
  scheduler: string;
  /** The cluster profile it was submitted with (env values removed). */
  profile: ClusterProfile;
  target: { className: string; method: string; static: boolean; module?: string };
  /** The resolved job options (env values removed). */
  options: JobOptions;
  key?: string;
  /** Hash of the call (class, method, arguments, instance) for `key` reuse. */
  fingerprint?: string;
  /** Array size; absent for a single call. */
  items?: number;
  /** Array tasks at once (`map`'s `concurrency`). */
  concurrency?: number;
  /** argv that runs the runner, without the job folder (`[node, runner]`): what a retry submits. */
  command: string[];
  state: RecordState;
  schedulerState?: string;
  reason?: string;
  createdAt: string;
  submittedAt?: string;
  endedAt?: string;
  updatedAt: string;
  /** The process supervising the job (retries, resumes). */
  owner: { pid: number; host: string };
  attempts: AttemptRecord[];
  pending?: PendingAttempt;
  /** Relative paths of `inputs` staged into the job folder (copied into retry folders). */
  inputs?: string[];
  /** How it ended. */
  outcome?: { succeeded: number; failed: number; error?: { name: string; message: string } };
  /**
   * What each item used, by original item index (`"0"` for a single job), from the attempt that ran it
   * last: the scheduler's accounting where it reports, the runner's own figures for the rest.
   */
  usage?: Record<string, JobUsage>;
  /** Times the scheduler requeued a started job or item by itself (node failure, preemption), and the last one. */
  requeues?: { count: number; lastAt: string; reason?: string };
  /** Set by `clustrix clean` (or the `cleanup` option) when the remote folders were removed. */
  removedAt?: string;
  /** What removed them. */
  removedBy?: 'clean' | 'cleanup' | 'retention';
  /** Bumped on every write. */
  rev: number;
}

export const ACTIVE_RECORD_STATES: ReadonlySet<RecordState> = new Set(['preparing', 'submitting', 'retrying', 'pending', 'running', 'unknown']);

export function isActiveRecord(r: Pick<JobRecord, 'state'>): boolean {
  return ACTIVE_RECORD_STATES.has(r.state);
}

/** Copy of `env` with every value replaced: names are useful in a listing, values may be secrets. */
function redactEnv(env: unknown): Record<string, string> | undefined {
  if (!env || typeof env !== 'object') return undefined;
  return Object.fromEntries(Object.keys(env).map((k) => [k, '(set)']));
}

export function redactOptions<T extends Record<string, unknown>>(options: T): T {
  if (!('env' in options) || options.env === undefined) return { ...options };
  return { ...options, env: redactEnv(options.env) };
}

/** The current (last) attempt. */
export function currentAttempt(r: JobRecord): AttemptRecord | undefined {
  return r.attempts[r.attempts.length - 1];
}

/** Original item indices of an attempt, in task order. */
export function attemptIndices(r: Pick<JobRecord, 'items'>, a: AttemptRecord): number[] {
  if (a.indices) return a.indices;
  return Array.from({ length: r.items ?? 1 }, (_, i) => i);
}

/** How many times each item was retried and resumed so far. */
export function itemCounts(r: JobRecord): { retries: Map<number, number>; resumes: Map<number, number> } {
  const retries = new Map<number, number>();
  const resumes = new Map<number, number>();
  for (const a of r.attempts) {
    for (const i of a.retried ?? []) retries.set(i, (retries.get(i) ?? 0) + 1);
    for (const i of a.resumed ?? []) resumes.set(i, (resumes.get(i) ?? 0) + 1);
  }
  return { retries, resumes };
}

/** The last attempt that runs each item (the one whose outcome counts). */
export function latestAttemptOf(r: JobRecord): Map<number, AttemptRecord> {
  const latest = new Map<number, AttemptRecord>();
  for (const a of r.attempts) for (const i of attemptIndices(r, a)) latest.set(i, a);
  return latest;
}

/** `Class.method` */
export function recordLabel(r: Pick<JobRecord, 'target'>): string {
  return `${r.target.className}.${r.target.method}`;
}

/** A new record (state `preparing`, no attempt yet) owned by this process; env values are dropped. */
export function newJobRecord(
  fields: Pick<JobRecord, 'id' | 'cluster' | 'scheduler' | 'target'> &
    Partial<Pick<JobRecord, 'key' | 'fingerprint' | 'items' | 'concurrency'>> & { profile: Record<string, unknown>; options: JobOptions },
): JobRecord {
  const now = new Date().toISOString();
  return {
    v: RECORD_VERSION,
    ...fields,
    profile: redactOptions(fields.profile) as ClusterProfile,
    options: redactOptions(fields.options as Record<string, unknown>) as JobOptions,
    command: [],
    state: 'preparing',
    createdAt: now,
    updatedAt: now,
    owner: { pid: process.pid, host: hostname() },
    attempts: [],
    rev: 0,
  };
}
