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
 *     stdout, stderr, exit_code            single job (written by whatever launched the runner)
 *     logs/<i>.out, logs/<i>.err, exit_codes/<i>   array item i
 */
import type { SerializedValue } from './serialize.js';
import type { EncodedError } from './error-codec.js';

export const PROTOCOL_VERSION = 1;

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
}

export interface ItemFile {
  args: SerializedValue;
}

export interface ResultFile {
  protocol: number;
  value: SerializedValue;
  host: string;
  startedAt: string;
  finishedAt: string;
}

export interface ErrorFile {
  protocol: number;
  error: EncodedError;
  host: string;
  startedAt: string;
  finishedAt: string;
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
} as const;
