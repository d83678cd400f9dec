/**
 * What runs on the node: read the job folder, import the bundle, rebuild the instance (prototype +
 * state, no constructor), run the original method, write the result or the error atomically.
 * When the class defines `checkpoint()` and the job asks for it, the runner calls it on SIGUSR1 (or
 * its own timer) and writes the state it returns instead. Returns the exit code; `clustrix-runner`
 * exits with it.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BundleError,
  ClustrixError,
  deserialize,
  encodeError,
  instanceState,
  jobFiles,
  onTermCheckpoint,
  ownClassRecord,
  PROTOCOL_VERSION,
  register,
  requeueable,
  requeueCheckpointFile,
  RUNNER_EXIT,
  serialize,
  setJobEnvironment,
  takeRequeueCheckpoint,
  writeFileAtomic,
  type CheckpointFile,
  type ErrorFile,
  type ItemFile,
  type JobFile,
  type JobTarget,
  type ResultFile,
} from '@clustrix/wire';

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

export async function runJob(jobDirArg: string, indexArg?: string): Promise<number> {
  const jobDir = resolve(jobDirArg);
  const startedAt = new Date().toISOString();
  const host = hostname();
  let index: number | undefined;
  let phase: 'setup' | 'method' = 'setup';
  let checkpointing: Checkpointing | undefined;
  let stopTermCheckpoint: (() => void) | undefined;
  // From the start, SIGUSR1 only asks for a checkpoint: Node's default would open the inspector.
  const usr1 = latchSignal('SIGUSR1');
  try {
    const job = JSON.parse(await readFile(join(jobDir, jobFiles.job), 'utf8')) as JobFile;
    if (job.protocol !== PROTOCOL_VERSION) {
      throw new ClustrixError(
        `job ${job.jobId} uses job-folder protocol ${job.protocol} but this runner speaks ${PROTOCOL_VERSION}; install the matching @clustrix/remote-runner`,
        { scope: 'runner' },
      );
    }
    index = resolveIndex(job, indexArg);
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
    const ns = (await import(pathToFileURL(resolve(jobDir, job.bundle)).href)) as Record<string, unknown>;
    registerExportedClasses(ns);
    const Cls = findTargetClass(ns, job.target);
    const item = index === undefined ? undefined : (JSON.parse(await readFile(join(jobDir, jobFiles.item(index)), 'utf8')) as ItemFile);
    const args = deserialize<unknown[]>(item ? item.args : job.args!);
    const instance = item?.instance ?? job.instance;
    // a rerun after a scheduler requeue continues from the state checkpoint() saved at the requeue
    const requeued = job.checkpoint && !job.target.static ? await takeRequeueCheckpoint(jobDir, index) : undefined;
    const resume = requeued?.state ?? (item ? item.resume : job.resume);
    const self: Record<string, unknown> = job.target.static
      ? (Cls as unknown as Record<string, unknown>)
      : (Object.assign(Object.create(Cls.prototype) as object, instance ? deserialize<object>(instance) : {}, resume ? deserialize<object>(resume) : {}) as Record<
          string,
          unknown
        >);
    const method = self[job.target.method];
    if (typeof method !== 'function') {
      throw new BundleError(`${job.target.className} has no ${job.target.static ? 'static ' : ''}method ${job.target.method}`);
    }
    if (job.checkpoint && !job.target.static && typeof self.checkpoint === 'function') {
      checkpointing = armCheckpoint(self, job, jobDir, index, usr1, { host, startedAt });
      if (requeueable()) {
        stopTermCheckpoint = onTermCheckpoint(async () => {
          const returned: unknown = await (self.checkpoint as () => unknown).call(self);
          const state = serialize(returned === undefined ? instanceState(self) : returned, 'checkpoint()');
          await writeOut(jobDir, requeueCheckpointFile(index), { state, at: new Date().toISOString(), host });
        });
      }
    }
    phase = 'method';
    const running = Promise.resolve((method as (...a: unknown[]) => unknown).apply(self, args)).then((value) => ({ kind: 'value' as const, value }));
    const first = checkpointing ? await Promise.race([running, checkpointing.done]) : await running;
    if (first.kind === 'checkpointed') return RUNNER_EXIT.checkpointed;
    if (checkpointing && !checkpointing.claim()) return RUNNER_EXIT.checkpointed;
    const result: ResultFile = {
      protocol: PROTOCOL_VERSION,
      value: serialize(first.value, 'result'),
      host,
      startedAt,
      finishedAt: new Date().toISOString(),
    };
    await writeOut(jobDir, jobFiles.result(index), result);
    return RUNNER_EXIT.ok;
  } catch (thrown) {
    if (checkpointing && !checkpointing.claim()) return RUNNER_EXIT.checkpointed;
    const file: ErrorFile = {
      protocol: PROTOCOL_VERSION,
      error: { ...encodeError(thrown), ...(phase === 'setup' ? { setup: true } : {}) },
      host,
      startedAt,
      finishedAt: new Date().toISOString(),
    };
    try {
      await writeOut(jobDir, jobFiles.error(index), file);
    } catch (writeErr) {
      process.stderr.write(`[clustrix-runner] could not write the error file: ${String(writeErr)}\n`);
      process.stderr.write(`${(thrown as Error)?.stack ?? String(thrown)}\n`);
    }
    return phase === 'setup' ? RUNNER_EXIT.setupFailed : RUNNER_EXIT.methodThrew;
  } finally {
    stopTermCheckpoint?.();
    checkpointing?.disarm();
    usr1.close();
  }
}

interface SignalLatch {
  /** Calls `fn` now if the signal came already, else when it comes. */
  onSignal(fn: () => void): void;
  close(): void;
}

function latchSignal(signal: NodeJS.Signals): SignalLatch {
  let seen = false;
  let handler: (() => void) | undefined;
  const listener = () => {
    seen = true;
    handler?.();
  };
  process.on(signal, listener);
  return {
    onSignal(fn) {
      handler = fn;
      if (seen) fn();
    },
    close: () => void process.off(signal, listener),
  };
}

interface Checkpointing {
  /** Resolves once checkpoint.json is written. */
  done: Promise<{ kind: 'checkpointed' }>;
  /** The method finished: true if its result may be written (no checkpoint was written first). */
  claim(): boolean;
  disarm(): void;
}

/**
 * Call `self.checkpoint()` on SIGUSR1 (sent by the scheduler shortly before the time limit) or when
 * the timer from job.json fires, write what it returns to the checkpoint file atomically, and let
 * the runner exit with RUNNER_EXIT.checkpointed. Whichever of the method and the checkpoint
 * finishes first wins; the other writes nothing.
 */
function armCheckpoint(
  self: Record<string, unknown>,
  job: JobFile,
  jobDir: string,
  index: number | undefined,
  usr1: SignalLatch,
  meta: { host: string; startedAt: string },
): Checkpointing {
  let owner: 'result' | 'checkpoint' | undefined;
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveDone!: (v: { kind: 'checkpointed' }) => void;
  const done = new Promise<{ kind: 'checkpointed' }>((r) => (resolveDone = r));
  const trigger = (why: string) => {
    if (started || owner) return;
    started = true;
    void (async () => {
      try {
        const returned: unknown = await (self.checkpoint as () => unknown).call(self);
        const state = serialize(returned === undefined ? instanceState(self) : returned, 'checkpoint()');
        if (owner) return;
        owner = 'checkpoint';
        const file: CheckpointFile = { protocol: PROTOCOL_VERSION, state, trigger: why, host: meta.host, startedAt: meta.startedAt, at: new Date().toISOString() };
        await writeOut(jobDir, jobFiles.checkpoint(index), file);
        process.stderr.write(`[clustrix-runner] checkpointed (${why}); the job will be resubmitted from this state\n`);
        resolveDone({ kind: 'checkpointed' });
      } catch (err) {
        // Keep running: the time limit ends the job as it would have without a checkpoint.
        started = false;
        process.stderr.write(`[clustrix-runner] checkpoint() failed (${why}): ${(err as Error)?.stack ?? String(err)}\n`);
      }
    })();
  };
  usr1.onSignal(() => trigger('SIGUSR1'));
  const seconds = job.checkpoint?.timerSeconds;
  if (seconds !== undefined && seconds > 0) {
    timer = setTimeout(() => trigger('timer'), seconds * 1000);
    timer.unref();
  }
  return {
    done,
    claim: () => {
      if (owner) return owner === 'result';
      owner = 'result';
      return true;
    },
    disarm: () => {
      if (timer) clearTimeout(timer);
    },
  };
}

async function writeOut(jobDir: string, name: string, body: object): Promise<void> {
  const path = join(jobDir, name);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, JSON.stringify(body));
}
