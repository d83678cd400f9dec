/**
 * What runs on the node: read the job folder, import the bundle, rebuild the instance (prototype +
 * state, no constructor), run the original method, write the result or the error atomically.
 * When the class defines `checkpoint()` and the job asks for it, the runner calls it on SIGUSR1 (or
 * its own timer) and writes the state it returns instead. Returns the exit code; `clustrix-runner`
 * exits with it.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BundleError,
  ClustrixError,
  companionOf,
  CompanionLayout,
  deserialize,
  loadBlobs,
  encodeError,
  jobFiles,
  ownClassRecord,
  PROTOCOL_VERSION,
  register,
  RUNNER_EXIT,
  serialize,
  serializeWithBlobs,
  setJobEnvironment,
  takeRequeueCheckpoint,
  type ErrorFile,
  type ItemFile,
  type JobFile,
  type JobTarget,
  type ResultFile,
  type SerializedValue,
} from '@clustrix/wire';
import { armCheckpoints, latchSignal, listenForCheckpointAsk, type Checkpointing, type RunnerStamp } from './checkpointing.js';
import { runnerUsage } from './usage.js';
import { writeJobFile } from './write-job-file.js';

export function resolveIndex(job: JobFile, indexArg: string | undefined, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (job.items === undefined) return undefined;
  const raw = indexArg ?? (job.indexEnv ? env[job.indexEnv] : undefined);
  if (raw === undefined || raw === '' || raw === 'undefined') {
    throw new ClustrixError(`job ${job.jobId} is an array of ${job.items} but no index was given (argument or $${job.indexEnv ?? 'INDEX'})`, { scope: 'runner' });
  }
  const index = Number(raw) - (indexArg !== undefined ? 0 : job.indexBase ?? 0);
  if (!Number.isInteger(index) || index < 0 || index >= job.items) {
    throw new ClustrixError(`job ${job.jobId}: array index ${raw} is outside 0..${job.items - 1}`, { scope: 'runner' });
  }
  return index;
}

export function findTargetClass(ns: Record<string, unknown>, target: JobTarget): new (...a: unknown[]) => unknown {
  const direct = ns[target.exportName];
  if (typeof direct === 'function' && direct.name === target.className) return direct as new () => unknown;
  for (const v of Object.values(ns)) {
    if (typeof v === 'function' && v.name === target.className && ownClassRecord(v)) return v as new () => unknown;
  }
  if (typeof direct === 'function') return direct as new () => unknown;
  throw new BundleError(
    `the bundle does not export class ${target.className} (as '${target.exportName}'); exports: ${Object.keys(ns).join(', ') || 'none'}. ` +
      `Export the class from the module that defines it`,
  );
}

/** Register the classes the bundle exports that carry @cluster methods (no constructor ran here). */
function registerExportedClasses(ns: Record<string, unknown>): void {
  for (const v of Object.values(ns)) {
    if (typeof v === 'function' && ownClassRecord(v)) register(v as new () => unknown);
  }
}

async function readJobFile(jobDir: string): Promise<JobFile> {
  const job = JSON.parse(await readFile(join(jobDir, jobFiles.job), 'utf8')) as JobFile;
  if (job.protocol !== PROTOCOL_VERSION) {
    throw new ClustrixError(
      `job ${job.jobId} uses job-folder protocol ${job.protocol} but this runner speaks ${PROTOCOL_VERSION}; install the matching @clustrix/remote-runner`,
      { scope: 'runner' },
    );
  }
  return job;
}

/** Make this process the job's: its environment, its folder as the working directory, the job context `@cluster` reads. */
function enterJob(job: JobFile, jobDir: string, index: number | undefined, host: string): void {
  if (job.env) Object.assign(process.env, job.env);
  process.chdir(jobDir);
  setJobEnvironment({
    jobId: job.jobId,
    jobDir,
    cluster: job.cluster,
    scheduler: job.scheduler,
    hostname: host,
    ...(index !== undefined ? { index, count: job.items } : {}),
  });
}

/** The call a job makes: `method` on `self` (the rebuilt instance, or the class for a static method) with `args`. */
interface PreparedCall {
  self: Record<string, unknown>;
  method: (...a: unknown[]) => unknown;
  args: unknown[];
}

/** Import the bundle and rebuild the call: the instance from its state (a checkpoint's state laid over it), the arguments. */
async function prepareCall(job: JobFile, jobDir: string, index: number | undefined): Promise<PreparedCall> {
  const ns = (await import(pathToFileURL(resolve(jobDir, job.bundle)).href)) as Record<string, unknown>;
  registerExportedClasses(ns);
  const Cls = findTargetClass(ns, job.target);
  const item = index === undefined ? undefined : (JSON.parse(await readFile(join(jobDir, jobFiles.item(index)), 'utf8')) as ItemFile);
  const args = await readValue<unknown[]>(jobDir, item ? jobFiles.item(index!) : jobFiles.job, item ? item.args : job.args!);
  const instanceFile = item?.instance ? jobFiles.item(index!) : jobFiles.job;
  const instance = item?.instance ?? job.instance;
  // a rerun after a scheduler requeue continues from the state checkpoint() saved at the requeue
  const requeued = job.checkpoint && !job.target.static ? await takeRequeueCheckpoint(jobDir, index) : undefined;
  const resume = requeued?.state ?? (item ? item.resume : job.resume);
  const self: Record<string, unknown> = job.target.static
    ? (Cls as unknown as Record<string, unknown>)
    : (Object.assign(
        Object.create(Cls.prototype) as object,
        instance ? await readValue<object>(jobDir, instanceFile, instance) : {},
        resume ? deserialize<object>(resume) : {},
      ) as Record<string, unknown>);
  const method = self[job.target.method];
  if (typeof method !== 'function') {
    throw new BundleError(`${job.target.className} has no ${job.target.static ? 'static ' : ''}method ${job.target.method}`);
  }
  return { self, method: method as (...a: unknown[]) => unknown, args };
}

export async function runJob(jobDirArg: string, indexArg?: string): Promise<number> {
  const jobDir = resolve(jobDirArg);
  const startedAt = new Date().toISOString();
  const stamp: RunnerStamp = { host: hostname(), startedAt };
  let index: number | undefined;
  let phase: 'setup' | 'method' = 'setup';
  let checkpointing: Checkpointing | undefined;
  // From the start, SIGUSR1 only asks for a checkpoint: Node's default would open the inspector.
  const usr1 = latchSignal('SIGUSR1');
  try {
    const job = await readJobFile(jobDir);
    index = resolveIndex(job, indexArg);
    enterJob(job, jobDir, index, stamp.host);
    const call = await prepareCall(job, jobDir, index);
    checkpointing = armCheckpoints(call.self, job, jobDir, index, usr1, stamp);
    if (checkpointing) await listenForCheckpointAsk(jobDir, index, usr1);
    phase = 'method';
    const running = Promise.resolve(call.method.apply(call.self, call.args)).then((value) => ({ kind: 'value' as const, value }));
    const first = checkpointing ? await Promise.race([running, checkpointing.done]) : await running;
    if (first.kind === 'checkpointed') return RUNNER_EXIT.checkpointed;
    if (checkpointing && !checkpointing.claim()) return RUNNER_EXIT.checkpointed;
    await writeResult(jobDir, index, first.value, stamp, job.blobs === true);
    return RUNNER_EXIT.ok;
  } catch (thrown) {
    if (checkpointing && !checkpointing.claim()) return RUNNER_EXIT.checkpointed;
    await writeError(jobDir, index, thrown, phase, stamp);
    return phase === 'setup' ? RUNNER_EXIT.setupFailed : RUNNER_EXIT.methodThrew;
  } finally {
    checkpointing?.disarm();
    usr1.close();
  }
}

/** A value of the JSON file `name`, with the bytes it keeps in that file's companion. */
async function readValue<T>(jobDir: string, name: string, value: SerializedValue): Promise<T> {
  const [blobs] = await loadBlobs(join(jobDir, companionOf(name)), [value]);
  return deserialize<T>(value, blobs);
}

/** The result file; with `blobs`, its large bytes go to its companion (`result.bin`, `results/<i>.bin`), written first. */
async function writeResult(jobDir: string, index: number | undefined, value: unknown, stamp: RunnerStamp, blobs: boolean): Promise<void> {
  const companion = new CompanionLayout();
  const result: ResultFile = {
    protocol: PROTOCOL_VERSION,
    value: companion.place(blobs ? serializeWithBlobs(value, 'result') : serialize(value, 'result')),
    ...stamp,
    finishedAt: new Date().toISOString(),
    usage: runnerUsage(),
  };
  await writeJobFile(jobDir, jobFiles.result(index), result, companion);
}

/** The error file; when even that cannot be written, the error goes to stderr (the exit code still tells). */
async function writeError(jobDir: string, index: number | undefined, thrown: unknown, phase: 'setup' | 'method', stamp: RunnerStamp): Promise<void> {
  const file: ErrorFile = {
    protocol: PROTOCOL_VERSION,
    error: { ...encodeError(thrown), ...(phase === 'setup' ? { setup: true } : {}) },
    ...stamp,
    finishedAt: new Date().toISOString(),
    usage: runnerUsage(),
  };
  try {
    await writeJobFile(jobDir, jobFiles.error(index), file);
  } catch (writeErr) {
    process.stderr.write(`[clustrix-runner] could not write the error file: ${String(writeErr)}\n`);
    process.stderr.write(`${(thrown as Error)?.stack ?? String(thrown)}\n`);
  }
}
