/**
 * The job folder: the wire format between the caller and the runner. Versioned by PROTOCOL_VERSION;
 * a runner refuses a job of another version with a message saying which to install.
 *
 *   <remoteRoot>/bundles/<sha256>.mjs      the code, shared by every job with the same code
 *   <remoteRoot>/runner/<version>/clustrix-runner.mjs
 *   <remoteRoot>/jobs/<jobId>/  (0700)
 *     job.json          JobFile below
 *     items/<i>.json    one per array item: { args }
 *     result.json | error.json             single job; written to a temp name, then renamed
 *     results/<i>.json | errors/<i>.json   array item i
 *     job.bin, items/<i>.bin, result.bin, results/<i>.bin   the raw bytes of large typed arrays, Buffers,
 *                       ArrayBuffers, DataViews of the JSON file of the same name (blob-file.ts); written before it
 *     stdout, stderr, exit_code            single job (written by whatever launched the runner)
 *     logs/<i>.out, logs/<i>.err, exit_codes/<i>   array item i
 *     checkpoint.json | checkpoints/<i>.json    what checkpoint() returned before the time limit
 *
 * A retry or a resume from a checkpoint runs in a folder of its own, `<jobId>-r<n>`, holding only
 * the items that go again (renumbered from 0); the caller maps them back to the original items.
 * Fields added after version 1 shipped (`resume`, `checkpoint`, `attempt`, `parentJobId`, `usage`) are
 * optional: a job folder without them means what it always meant. Version 2: values may name blobs of
 * the companion `.bin` files (`SerializedValue.blobs`), which a version-1 runner would not read.
 */
import type { SerializedValue } from './serialize.js';
import type { EncodedError } from './error-codec.js';

export const PROTOCOL_VERSION = 2;

export interface JobTarget {
  /** Name under which the bundle exports the class. */
  exportName: string;
  /** The class's own name (checked by the runner). */
  className: string;
  method: string;
  static: boolean;
}

export interface JobFile {
  protocol: number;
  jobId: string;
  cluster: string;
  scheduler: string;
  /** Path of the bundle, relative to the job folder (or absolute). */
  bundle: string;
  target: JobTarget;
  /** Own state of the instance (absent for static methods). */
  instance?: SerializedValue;
  /** Arguments of a single call. */
  args?: SerializedValue;
  /** Number of array items; their arguments are in items/<i>.json. */
  items?: number;
  /** Environment variable holding the array index (e.g. SLURM_ARRAY_TASK_ID), and its base. */
  indexEnv?: string;
  indexBase?: number;
  /** Environment for the method. */
  env?: Record<string, string>;
  /** ISO time of submission. */
  submittedAt: string;
  /** State returned by checkpoint() in an earlier attempt, laid over `instance` (single job; arrays: in items/<i>.json). */
  resume?: SerializedValue;
  /** Present when the class defines checkpoint(): the runner then calls it on SIGUSR1, or when its own timer fires. */
  checkpoint?: CheckpointSettings;
  /** Attempt number (0: the first submission). */
  attempt?: number;
  /** The job this attempt continues (absent for attempt 0). */
  parentJobId?: string;
  /**
   * The runner writes a result's large bytes to the result's companion file (`result.bin`, `results/<i>.bin`):
   * set when the caller reads the files the runner writes (absent: everything inline, as on Kubernetes without a volume).
   */
  blobs?: boolean;
}

export interface CheckpointSettings {
  /** Seconds after the runner starts at which it checkpoints by itself (time limit − lead), when the time limit is known. */
  timerSeconds?: number;
}

export interface ItemFile {
  args: SerializedValue;
  /** Own state of `this` when the items do not share one instance. */
  instance?: SerializedValue;
  /** State returned by checkpoint() in an earlier attempt, laid over the instance. */
  resume?: SerializedValue;
}

export interface CheckpointFile {
  protocol: number;
  /** What checkpoint() returned (serialized), or the instance's state when it returned nothing. */
  state: SerializedValue;
  /** `SIGUSR1` (the scheduler's or the local scheduler's signal) or `timer` (the runner's own). */
  trigger: string;
  host: string;
  startedAt: string;
  at: string;
}

/**
 * What a job (or one array item) used. Every figure is optional: each source reports what it can
 * (the runner its own process; SLURM's sacct, SGE's qacct, PBS's resources_used the whole job).
 */
export interface JobUsage {
  /** Wall-clock time, ms. */
  elapsedMs?: number;
  /** CPU time (user + system), ms. */
  cpuMs?: number;
  /** Peak resident memory, bytes (SGE: maxvmem, the peak virtual memory). */
  maxRssBytes?: number;
  /** CPUs allocated to it, when the source says. */
  cpus?: number;
  /** GPUs allocated to it, when the source says. */
  gpus?: number;
  /** Who measured: `runner` (the runner's own process.resourceUsage()), or the scheduler's name. */
  source: string;
}

export interface ResultFile {
  protocol: number;
  value: SerializedValue;
  host: string;
  startedAt: string;
  finishedAt: string;
  /** What the runner's process used (absent from runners older than this field). */
  usage?: JobUsage;
}

export interface ErrorFile {
  protocol: number;
  error: EncodedError;
  host: string;
  startedAt: string;
  finishedAt: string;
  /** What the runner's process used (absent from runners older than this field). */
  usage?: JobUsage;
}

/** File names inside a job folder. `index` undefined = a single job. */
export const jobFiles = {
  job: 'job.json',
  item: (i: number) => `items/${i}.json`,
  result: (index?: number) => (index === undefined ? 'result.json' : `results/${index}.json`),
  error: (index?: number) => (index === undefined ? 'error.json' : `errors/${index}.json`),
  stdout: (index?: number) => (index === undefined ? 'stdout' : `logs/${index}.out`),
  stderr: (index?: number) => (index === undefined ? 'stderr' : `logs/${index}.err`),
  exitCode: (index?: number) => (index === undefined ? 'exit_code' : `exit_codes/${index}`),
  checkpoint: (index?: number) => (index === undefined ? 'checkpoint.json' : `checkpoints/${index}.json`),
  /** Written by any Clustrix process before it asks the scheduler to cancel the job: a kill then reads as a cancel. */
  cancelRequested: 'cancel_requested',
  /**
   * Written by whoever passes the scheduler's checkpoint signal on (the job script, the local scheduler) before it
   * signals the runner: a runner that was not listening yet finds it when it starts listening.
   */
  checkpointAsked: (index?: number) => (index === undefined ? 'checkpoint_asked' : `checkpoint_asked.${index}`),
  /**
   * Written by the runner once it handles SIGUSR1. Nobody signals a runner before it exists: until then the signal
   * would reach Node's default handler, which opens the inspector.
   */
  runnerListening: (index?: number) => (index === undefined ? 'runner_listening' : `runner_listening.${index}`),
  /** Folders an array job needs. */
  arrayDirs: ['items', 'results', 'errors', 'logs', 'exit_codes'],
} as const;

/** Exit codes of the runner itself. */
export const RUNNER_EXIT = {
  ok: 0,
  /** The method threw; error.json holds it. */
  methodThrew: 1,
  /** The runner could not start the job (bad job file, missing bundle...); error.json holds why. */
  setupFailed: 70,
  /** checkpoint() ran before the time limit; checkpoint.json holds the state to resume from. */
  checkpointed: 75,
} as const;
