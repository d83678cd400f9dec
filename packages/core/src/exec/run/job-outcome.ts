/**
 * Reading how a job (or one array task) ended: the result or the error from its folder, or — when
 * the runner could not report — an error built from the scheduler's state, the exit code and the
 * tail of stderr.
 */
import { pathToFileURL } from 'node:url';
import {
  BundleError,
  CancelledError,
  ClustrixError,
  ConfigError,
  JobFailedError,
  JobLostError,
  NodeFailError,
  OutOfMemoryError,
  PreemptedError,
  SerializationError,
  SubmitError,
  TimeLimitError,
  TransportError,
  type ClustrixErrorOptions,
} from '../../errors.js';
import { registeredById } from '@clustrix/wire';
import type { JobRef, KillPatterns, TaskStatus } from '../../scheduler/contract.js';
import type { Transport } from '../../transport/contract.js';
import { decodeError } from '@clustrix/wire';
import { jobFiles, type CheckpointFile, type ErrorFile, type JobUsage, type ResultFile } from '@clustrix/wire';
import { deserialize, type SerializedValue } from '@clustrix/wire';
import { readCompanionBlobs } from '../files/companions.js';

export type Outcome =
  | { ok: true; value: unknown; usage?: JobUsage }
  | {
      ok: false;
      error: unknown;
      /** What the runner's process used, from its error file. */
      usage?: JobUsage;
      /** The job ran checkpoint() before its time limit: the state to resume from. */
      checkpoint?: { state: SerializedValue; trigger: string };
    };

const CORE_ERRORS: Record<string, abstract new (...a: never[]) => Error> = {
  ClustrixError,
  BundleError,
  ConfigError,
  SerializationError,
  SubmitError,
  TransportError,
};

export interface CollectContext {
  transport: Transport;
  scheduler: string;
  ref: JobRef;
  /** The module defining the target class, searched for the remote error's class. */
  moduleFile?: string;
  localFrames?: string;
  /** The job's time limit as given, for messages. */
  time?: string | number;
  /** Give results as plain JSON (superjson's `json` part) instead of rebuilding them (the CLI, which has no user classes). */
  raw?: boolean;
  /** The scheduler's words for a memory or time-limit kill in a job's stderr (Scheduler.killPatterns). */
  killPatterns?: KillPatterns;
}

const STDERR_TAIL_BYTES = 4000;
const STDERR_TAIL_LINES = 20;

async function lookupErrorClass(moduleFile: string | undefined, className: string) {
  const reg = registeredById(className)?.cls as (abstract new (...a: never[]) => Error) | undefined;
  if (reg && (reg as unknown as { prototype: unknown }).prototype instanceof Error) return reg;
  if (!moduleFile) return undefined;
  try {
    const ns = (await import(pathToFileURL(moduleFile).href)) as Record<string, unknown>;
    for (const v of Object.values(ns)) {
      if (typeof v === 'function' && v.name === className && v.prototype instanceof Error) return v as abstract new () => Error;
    }
  } catch {
    /* not importable here: fall back to RemoteError */
  }
  return undefined;
}

function tailLines(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-STDERR_TAIL_LINES).join('\n');
}

/** V8's words when the runner's heap is full: the runner is core's, so on every scheduler (local `memory`, SGE's h_vmem ulimit). */
export const NODE_HEAP_KILL = /JavaScript heap out of memory.*/;

/** The first line of `stderrTail` that one of `patterns` finds (trimmed), if any. */
export function killLine(patterns: readonly RegExp[], stderrTail: string | undefined): string | undefined {
  if (!stderrTail) return undefined;
  for (const re of patterns) {
    const m = re.exec(stderrTail);
    if (m) return m[0].trim();
  }
  return undefined;
}

/** What every error about this job carries: ids, the scheduler's state, the exit code, the item. */
function jobDetails(ctx: CollectContext, status: TaskStatus, index: number | undefined, exitCode: number | undefined): ClustrixErrorOptions {
  return {
    scope: ctx.scheduler,
    jobId: ctx.ref.jobId,
    schedulerJobId: ctx.ref.schedulerJobId,
    schedulerState: status.schedulerState ?? status.state.toUpperCase(),
    ...(exitCode !== undefined && !Number.isNaN(exitCode) ? { exitCode } : {}),
    ...(index !== undefined ? { index } : {}),
  };
}

/** How a job (or array task `index`) ended, from its folder; `status` is what the scheduler says of it. */
export async function collectOutcome(ctx: CollectContext, index: number | undefined, status: TaskStatus): Promise<Outcome> {
  const dir = ctx.ref.jobDir;
  const paths = [jobFiles.result(index), jobFiles.error(index), jobFiles.exitCode(index), jobFiles.checkpoint(index)].map((f) => `${dir}/${f}`);
  let files = await ctx.transport.readFiles(paths);
  // On a shared filesystem a finished job's files can lag the scheduler by a moment.
  for (let attempt = 0; attempt < 3 && !files.get(paths[0]!) && !files.get(paths[1]!) && status.state === 'completed'; attempt++) {
    await new Promise((r) => setTimeout(r, 300 * (attempt + 1)));
    files = await ctx.transport.readFiles(paths);
  }
  const [resultBuf, errorBuf, codeBuf, checkpointBuf] = paths.map((p) => files.get(p));
  const jobLabel = `job ${ctx.ref.jobId}${index === undefined ? '' : ` item ${index}`}`;
  if (errorBuf) {
    const file = JSON.parse(errorBuf.toString('utf8')) as ErrorFile;
    return { ok: false, error: await rebuildError(ctx, index, jobLabel, file), ...(file.usage ? { usage: file.usage } : {}) };
  }
  if (resultBuf) {
    const file = JSON.parse(resultBuf.toString('utf8')) as ResultFile;
    const usage = file.usage ? { usage: file.usage } : {};
    if (ctx.raw) return { ok: true, value: file.value.json, ...usage };
    const [blobs] = await readCompanionBlobs(ctx.transport, paths[0]!, [file.value]);
    return { ok: true, value: deserialize(file.value, blobs), ...usage };
  }
  const exitCode = codeBuf ? Number(codeBuf.toString('utf8').trim()) : status.exitCode;
  if (checkpointBuf) {
    const file = JSON.parse(checkpointBuf.toString('utf8')) as CheckpointFile;
    const error = new TimeLimitError(
      `${jobLabel} (${ctx.scheduler} ${ctx.ref.schedulerJobId}) checkpointed before its time limit${ctx.time !== undefined ? ` of ${ctx.time}` : ''} (${file.trigger}) and was not resumed. Raise \`checkpoints\` or \`time\``,
      jobDetails(ctx, status, index, exitCode),
    );
    return { ok: false, error, checkpoint: { state: file.state, trigger: file.trigger } };
  }
  return { ok: false, error: await unreportedEnd(ctx, index, jobLabel, status, exitCode) };
}

/** The error the method threw, rebuilt here with its class when that class can be found. */
async function rebuildError(ctx: CollectContext, index: number | undefined, jobLabel: string, file: ErrorFile): Promise<Error> {
  const enc = file.error;
  const Cls = enc.clustrix ? CORE_ERRORS[enc.className] : await lookupErrorClass(ctx.moduleFile, enc.className);
  return decodeError(enc, {
    lookup: () => Cls,
    banner: `[clustrix] thrown in ${jobLabel} on ${file.host} (${ctx.scheduler}); called at:`,
    ...(ctx.localFrames ? { localFrames: ctx.localFrames } : {}),
    details: { jobId: ctx.ref.jobId, schedulerJobId: ctx.ref.schedulerJobId, scope: ctx.scheduler, ...(index !== undefined ? { index } : {}) },
  });
}

/** A job that ended without a result or an error: the error its state, exit code and stderr explain. */
async function unreportedEnd(ctx: CollectContext, index: number | undefined, jobLabel: string, status: TaskStatus, exitCode: number | undefined): Promise<Error> {
  const stderrPath = `${ctx.ref.jobDir}/${jobFiles.stderr(index)}`;
  const stderr = (await ctx.transport.readFiles([stderrPath], { tailBytes: STDERR_TAIL_BYTES }).catch(() => new Map())).get(stderrPath);
  const stderrTail = tailLines(stderr?.toString('utf8'));
  const details: ClustrixErrorOptions = { ...jobDetails(ctx, status, index, exitCode), ...(stderrTail ? { stderrTail } : {}) };
  const sched = `${ctx.scheduler} ${ctx.ref.schedulerJobId}`;
  // A memory kill often leaves only a signal and the scheduler's (or Node's) words in stderr.
  const oom = status.state === 'completed' ? undefined : killLine([...(ctx.killPatterns?.memory ?? []), NODE_HEAP_KILL], details.stderrTail);
  // A scheduler that cannot say why a job ended (PBS's SLURM wrappers) still leaves the kill in stderr.
  const overtime = oom || status.state === 'completed' || status.state === 'timeout' ? undefined : killLine(ctx.killPatterns?.time ?? [], details.stderrTail);
  const why = oom ? `: ${oom}` : overtime ? `: ${overtime}` : status.reason ? `: ${status.reason}` : '';
  const state = details.schedulerState;
  switch (oom ? 'out_of_memory' : overtime ? 'timeout' : status.state) {
    case 'timeout':
      return new TimeLimitError(`${jobLabel} (${sched}) exceeded its time limit${ctx.time !== undefined ? ` of ${ctx.time}` : ''} (${state})${why}. Raise \`time\``, details);
    case 'out_of_memory':
      return new OutOfMemoryError(`${jobLabel} (${sched}) ran out of memory (${state})${why}. Raise \`memory\``, details);
    case 'cancelled':
      return new CancelledError(`${jobLabel} (${sched}) was cancelled (${state})${why}`, details);
    case 'node_fail':
      return new NodeFailError(`${jobLabel} (${sched}) failed because its node failed (${state})${why}`, details);
    case 'preempted':
      return new PreemptedError(`${jobLabel} (${sched}) was preempted (${state})${why}`, details);
    case 'lost':
      return new JobLostError(`${jobLabel} (${sched}) is gone${why}`, details);
    default:
      if (exitCode !== undefined && exitCode !== 0 && !Number.isNaN(exitCode)) {
        return new JobFailedError(`${jobLabel} (${sched}) exited with code ${exitCode} before reporting a result (${state})${why}`, details);
      }
      return new JobLostError(`${jobLabel} (${sched}) ended (${state}) without writing a result or an error${why}`, details);
  }
}
