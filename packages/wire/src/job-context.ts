import { allocationFromEnv, type JobAllocation } from './allocation.js';

export type { JobAllocation } from './allocation.js';

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
  /**
   * The nodes the job holds and where this process is among them (read from the scheduler's
   * environment when first asked): with `nodes: 2` on SLURM, `{ nodes: ['n1', 'n2'], node: 'n1',
   * rank: 0, nodeCount: 2, restarts: 0 }`; run `srun` from the method to use all of them.
   */
  readonly allocation?: JobAllocation;
}

const KEY = Symbol.for('clustrix.job');

export function setJobEnvironment(env: JobEnvironment | undefined): void {
  if (env && !Object.getOwnPropertyDescriptor(env, 'allocation')) {
    let cached: JobAllocation | undefined;
    Object.defineProperty(env, 'allocation', { enumerable: true, configurable: true, get: () => (cached ??= allocationFromEnv(process.env, env.hostname)) });
  }
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
