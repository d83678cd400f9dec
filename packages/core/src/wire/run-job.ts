/**
 * What runs on the node: read the job folder, import the bundle, rebuild the instance (prototype +
 * state, no constructor), run the original method, write the result or the error atomically.
 * Returns the exit code; `clustrix-runner` exits with it.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BundleError, ClustrixError } from '../errors.js';
import { setJobEnvironment } from '../runtime/job-context.js';
import { ownClassRecord } from '../runtime/metadata.js';
import { register } from '../runtime/registry.js';
import { writeFileAtomic } from './atomic.js';
import { encodeError } from './error-codec.js';
import { jobFiles, PROTOCOL_VERSION, RUNNER_EXIT, type ErrorFile, type ItemFile, type JobFile, type JobTarget, type ResultFile } from './protocol.js';
import { deserialize, serialize } from './serialize.js';

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
    const args =
      index === undefined
        ? deserialize<unknown[]>(job.args!)
        : deserialize<unknown[]>((JSON.parse(await readFile(join(jobDir, jobFiles.item(index)), 'utf8')) as ItemFile).args);
    const self: Record<string, unknown> = job.target.static
      ? (Cls as unknown as Record<string, unknown>)
      : (Object.assign(Object.create(Cls.prototype) as object, job.instance ? deserialize<object>(job.instance) : {}) as Record<string, unknown>);
    const method = self[job.target.method];
    if (typeof method !== 'function') {
      throw new BundleError(`${job.target.className} has no ${job.target.static ? 'static ' : ''}method ${job.target.method}`);
    }
    phase = 'method';
    const value: unknown = await (method as (...a: unknown[]) => unknown).apply(self, args);
    const result: ResultFile = {
      protocol: PROTOCOL_VERSION,
      value: serialize(value, 'result'),
      host,
      startedAt,
      finishedAt: new Date().toISOString(),
    };
    await writeOut(jobDir, jobFiles.result(index), result);
    return RUNNER_EXIT.ok;
  } catch (thrown) {
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
  }
}

async function writeOut(jobDir: string, name: string, body: object): Promise<void> {
  const path = join(jobDir, name);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, JSON.stringify(body));
}
