/**
 * What a running job knows about itself. The runner sets it before it imports the user's code;
 * `@cluster` methods see it and run directly instead of submitting again.
 */
export interface JobEnvironment {
  /** Clustrix's job id (the job folder's name). */
  jobId: string;
  /** Absolute path of the job folder on this node. */
  jobDir: string;
  /** Array task index (0-based) when the job is one item of a fan-out. */
  index?: number;
  /** Number of items in the fan-out, when it is one. */
  count?: number;
  /** Name of the cluster profile the job was submitted to. */
  cluster: string;
  /** Scheduler that runs the job (`local`, `slurm`...). */
  scheduler: string;
  /** Host name of the node. */
  hostname: string;
}

const KEY = Symbol.for('clustrix.job');

export function setJobEnvironment(env: JobEnvironment | undefined): void {
  (globalThis as Record<symbol, unknown>)[KEY] = env;
}

/** The current job's environment, or `undefined` when not running inside a Clustrix job. */
export function jobEnvironment(): JobEnvironment | undefined {
  return (globalThis as Record<symbol, JobEnvironment | undefined>)[KEY];
}

/** True inside a job that Clustrix runs (on a cluster node or a local child process). */
export function isInJob(): boolean {
  return jobEnvironment() !== undefined;
}
