/**
 * The options a job can take, as zod schemas: one resource model for every scheduler, staging
 * options, and the per-call extras. The TypeScript types are inferred from these schemas so the
 * schema, the types and the validation messages never drift apart.
 */
import { z } from 'zod';
import { MEMORY_FORMS, parseMemory, parseTime, TIME_FORMS } from './resources/parse.js';
import { describeChar } from './resources/gate.js';

const timeValue = z
  .union([z.number(), z.string()])
  .refine((v) => parseTime(v) !== undefined, { error: (iss) => `${JSON.stringify(iss.input)} is not a time; expected ${TIME_FORMS}` });
const memoryValue = z
  .union([z.number(), z.string()])
  .refine((v) => parseMemory(v) !== undefined, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a memory size; expected ${MEMORY_FORMS}`,
  });
const positiveInt = z.number().int().positive();
/** Control, line- and paragraph-separator characters (Unicode Cc/Zl/Zp): refused in every string option (see resources/gate.ts). */
const CONTROL_CHARS = /[\p{Cc}\p{Zl}\p{Zp}]/u;
const nonEmpty = z
  .string()
  .min(1)
  .refine((v) => !CONTROL_CHARS.test(v), {
    error: (iss) => {
      const m = CONTROL_CHARS.exec(String(iss.input));
      const what = m ? `cannot contain ${describeChar(m[0])} (at position ${m.index}); ` : '';
      return `${what}expected no control characters (newlines, NUL, tabs, U+0085, U+2028, U+2029...): they cannot go into a job script, a directive or a command line`;
    },
  });

/** The resource model, shared by every scheduler. A scheduler that cannot honour one of these rejects it. */
export const resourceShape = {
  /** CPU cores for the job (per task). */
  cpus: positiveInt,
  /** Memory for the job: MiB as a number or '4G', '512M'. */
  memory: memoryValue,
  /** Wall-time limit: seconds or '90m', '2h', '1-12:00:00'. */
  time: timeValue,
  /** GPUs: a count, or 'type:count' (e.g. 'a100:2'). */
  gpus: z.union([z.number().int().nonnegative(), z.string().regex(/^([\w.-]+:)?\d+$/, "expected a count or 'type:count'")]),
  /** Nodes for the job. */
  nodes: positiveInt,
  /** Tasks per node. */
  tasksPerNode: positiveInt,
  /** SLURM partition (alias of `queue`). */
  partition: nonEmpty,
  /** PBS/SGE queue (alias of `partition`). */
  queue: nonEmpty,
  /** Account or project to charge. */
  account: nonEmpty,
  /** Quality of service. */
  qos: nonEmpty,
  /** Node feature constraint. */
  constraint: nonEmpty,
  /** Whole nodes, not shared with other jobs. */
  exclusive: z.boolean(),
  /** The job's name as the scheduler shows it. */
  jobName: nonEmpty,
  /** Environment variables for the method (delivered in the job file, never in the job script). */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'), z.string()),
  /** Shell commands run before Node starts (e.g. 'source ~/venv.sh'). */
  setup: z.array(z.string()),
  /** Environment modules to load (`module load ...`). */
  modules: z.array(nonEmpty),
  /** Raw scheduler directives, passed through as written (e.g. '--reservation=big'). */
  directives: z.array(nonEmpty),
} as const;

/** Where and how code and data are staged. */
export const stagingShape = {
  /** Root of Clustrix's folders on the cluster (bundles, runner, jobs). Default `~/.clustrix`. */
  remoteRoot: nonEmpty,
  /** Node.js on the cluster. Default `node`. */
  nodePath: nonEmpty,
  /** What to do with a job folder after the result is read. Default `keep`. */
  cleanup: z.enum(['keep', 'on-success', 'always']),
  /**
   * Ended jobs' folders older than this many days are removed by a sweep that runs at most once a day per cluster
   * (after a call ends); `false`: never. Default 14. Only folders of jobs whose end is proven go (as `clustrix clean`).
   */
  retentionDays: z.union([z.number().positive(), z.literal(false)]),
  /** Local files or folders uploaded into the job folder; the method finds them by the same relative path. */
  inputs: z.array(nonEmpty),
  /** Paths or globs (relative to the job folder) fetched back after the job. */
  outputs: z.array(nonEmpty),
  /** Local folder the outputs are written to. Default: the current directory. */
  outputDir: nonEmpty,
  /** Packages left out of the bundle (native addons are detected automatically). */
  externals: z.array(nonEmpty),
  /**
   * Names of variables of the submitting process passed on to the job, on purpose. Nothing else of
   * the submitter's environment travels: SLURM jobs are submitted with `--export=NONE`, PBS and SGE
   * jobs without `-V`. The values travel like `env` (in the job file, never in the job script);
   * `env` wins for a name in both; a name not set locally is left out.
   */
  exportEnv: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')),
} as const;

/** How the watcher polls a cluster. */
export const pollShape = {
  /** First (and fastest) poll interval, ms. */
  pollMinMs: z.number().int().min(10),
  /** Slowest poll interval, ms: the floor of how often the scheduler is queried while nothing changes. */
  pollMaxMs: z.number().int().min(10),
  /** Cycles a job may stay unknown to the scheduler (without a result) before it counts as lost. */
  lostAfterPolls: z.number().int().min(1),
  /** Let each status round trip wait on the cluster for job folders to show completions (false: plain polling). */
  longPoll: z.boolean(),
} as const;

/** What happens when a job fails for reasons outside the method, or nears its time limit. */
export const reliabilityShape = {
  /** Resubmissions after an infrastructure failure (node failure, preemption, a runner that died without a word). Default 0. */
  retries: z.number().int().min(0).max(100),
  /** Also retry these failures: error class names (`'FetchError'`, `'TimeLimitError'`), error `code`s (`'ECONNRESET'`), or `'*'` for any. */
  retryOn: z.array(nonEmpty),
  /** Wait before the first retry (seconds or '30s', '2m'); doubles at each further retry, at most 10 minutes. Default 10 s. */
  retryDelay: timeValue,
  /** Times a job may be resubmitted from the state its class's `checkpoint()` returns. Default 3 when the class has `checkpoint()`. */
  checkpoints: z.number().int().min(0).max(1000),
  /** How long before the time limit `checkpoint()` is called (seconds or '2m'). Default 60 s, at most half of `time`. */
  checkpointLead: timeValue,
} as const;

export const jobOptionsShape = {
  ...resourceShape,
  ...stagingShape,
  ...reliabilityShape,
  /** Cluster profile to run on (a key of `clusters`). */
  cluster: nonEmpty,
} as const;

/** Options of a job: what `@cluster({...})` and per-call options take. */
export const jobOptionsSchema = z.strictObject(jobOptionsShape).partial();
export type JobOptions = z.input<typeof jobOptionsSchema>;

export type ResourceKey = keyof typeof resourceShape;
export const RESOURCE_KEYS = Object.keys(resourceShape) as ResourceKey[];

/** Options for one call, given through `withOptions`, `submit` or `map`. */
export interface CallOptions extends JobOptions {
  /** Cancels the job (the remote process is killed) when aborted. */
  signal?: AbortSignal;
  /**
   * Names the call: a later call (in this or another process) with the same key and the same
   * arguments gets the job already submitted for it instead of submitting again, unless that job
   * failed or was cancelled. See docs/reliability.md.
   */
  key?: string;
}

/** `key`: a non-empty string without control characters, at most 200 characters. */
export const callKeySchema = z
  .string()
  .min(1, 'expected a non-empty string')
  .max(200, 'expected at most 200 characters')
  .refine((k) => !/[\u0000-\u001f]/.test(k), { error: 'expected no control characters (newlines, tabs...)' });

export const DEFAULT_CHECKPOINTS = 3;
export const DEFAULT_CHECKPOINT_LEAD_SECONDS = 60;
export const DEFAULT_RETRY_DELAY_SECONDS = 10;
export const MAX_RETRY_DELAY_SECONDS = 600;
/** The signal that asks a runner to checkpoint (SLURM `--signal=B:USR1@lead`, the local scheduler's timer). */
export const CHECKPOINT_SIGNAL = 'USR1';

/**
 * Seconds before the time limit at which a job with checkpoints enabled is signalled, or undefined
 * when checkpointing is off (`checkpoints` 0 or unset — core sets it only for classes that define
 * `checkpoint()`). Never more than half of `time`, so a short job still makes progress.
 */
export function checkpointLeadSeconds(options: JobOptions): number | undefined {
  if (!options.checkpoints) return undefined;
  const lead = options.checkpointLead !== undefined ? parseTime(options.checkpointLead)! : DEFAULT_CHECKPOINT_LEAD_SECONDS;
  const time = options.time !== undefined ? parseTime(options.time) : undefined;
  return time !== undefined ? Math.max(1, Math.min(lead, Math.floor(time / 2))) : lead;
}
