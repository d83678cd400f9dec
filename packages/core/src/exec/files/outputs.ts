/**
 * `outputs`: afterwards the files matching `outputs` (paths or globs, relative to the job folder) come
 * back under `outputDir` — from every attempt's folder, earlier attempts first so a retried item's files
 * win. Over SSH they are found with one `find` and matched by tinyglobby. The items of a job with
 * `outputs` settle only once its outputs are fetched (OutputsGate), so the files exist when the caller
 * reads them.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError, isClustrixError, TransportError } from '../../errors.js';
import type { Transport } from '../../transport/contract.js';
import { logger } from '../../util/debug.js';
import { deferred } from '../../util/deferred.js';
import { RESERVED, toPosix } from './inputs.js';
import { listingFs } from './listing-fs.js';

const log = logger('files');

/** Names the job-folder protocol and the schedulers own: never matched by output globs. */
const RESERVED_GLOBS = [...RESERVED.flatMap((n) => [n, `${n}/**`]), '.clustrix*', '.clustrix*/**', '**/*.tmp', '**/*.part'];

/** Output patterns must stay inside the job folder (checked before anything is submitted). */
export function checkOutputPatterns(patterns: readonly string[]): void {
  for (const p of patterns) {
    if (p.startsWith('/') || p.startsWith('~') || p.split('/').includes('..')) {
      throw new ConfigError(`outputs: '${p}' must be a path or glob inside the job folder (relative, without '..'); the method's working directory is the job folder`, {
        keyPath: 'outputs',
      });
    }
  }
}

function isDynamic(pattern: string): boolean {
  return /[*?[\]{}()!]/.test(pattern);
}

/** List the regular files under a remote folder with one command (paths relative to it). */
async function listRemote(transport: Transport, dir: string): Promise<string[]> {
  const r = await transport.exec(['/bin/sh', '-c', 'cd "$1" && find . -type f -print0', 'clustrix-list', dir]);
  if (r.code !== 0) throw new TransportError(`cannot list ${dir} on ${transport.host}: ${r.stderr.trim()}`, { scope: transport.kind });
  return r.stdout.split('\0').filter(Boolean).map((p) => p.replace(/^\.\//, ''));
}

export interface FetchOutputsOptions {
  /** The job succeeded: a named (non-glob) output that is missing is then an error. */
  succeeded: boolean;
  /** Input paths, never fetched back by a glob. */
  inputs?: readonly string[];
  jobId?: string;
}

/** Fetch the outputs; returns the local paths written. */
export async function fetchOutputs(transport: Transport, jobDir: string, patterns: readonly string[], outputDir: string, options: FetchOutputsOptions): Promise<string[]> {
  if (!patterns.length) return [];
  const { glob } = await import('tinyglobby');
  const ignore = [...RESERVED_GLOBS, ...(options.inputs ?? [])];
  const dynamic = patterns.filter(isDynamic);
  const named = patterns.filter((p) => !isDynamic(p)).map((p) => p.replace(/^\.\//, ''));
  const globOptions = { cwd: jobDir, dot: true, onlyFiles: true, followSymbolicLinks: false, expandDirectories: false, ignore };
  let matched: string[] = [];
  let all: string[] | undefined;
  if (transport.sharesFilesystem) {
    matched = dynamic.length ? await glob(dynamic, globOptions) : [];
  } else {
    all = await listRemote(transport, jobDir);
    matched = dynamic.length ? await glob(dynamic, { ...globOptions, fs: listingFs(jobDir, all) as never }) : [];
  }
  const present = async (rel: string): Promise<boolean> => (all ? all.includes(rel) : transport.exists(`${jobDir}/${rel}`));
  const wanted = new Set(matched.map(toPosix));
  const missing: string[] = [];
  checkOutputPatterns(patterns);
  for (const n of named) {
    if (await present(n)) wanted.add(n);
    else missing.push(n);
  }
  if (missing.length && options.succeeded) {
    throw new TransportError(
      `job ${options.jobId ?? jobDir} finished but did not write the output${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} (looked in ${transport.host}:${jobDir}); ` +
        `check the paths in \`outputs\` (relative to the job folder, which is the method's working directory)`,
      { scope: transport.kind, ...(options.jobId ? { jobId: options.jobId } : {}) },
    );
  }
  const written: string[] = [];
  for (const rel of [...wanted].sort()) {
    const local = join(outputDir, ...rel.split('/'));
    if (transport.sharesFilesystem) {
      await mkdir(dirname(local), { recursive: true });
      await copyFile(join(jobDir, rel), local);
    } else await transport.get(`${jobDir}/${rel}`, local);
    written.push(local);
  }
  log('outputs of %s: %d file(s) into %s', jobDir, written.length, outputDir);
  return written;
}

/** What to fetch for one job: the folders of its attempts (oldest first) and where the files go. */
export interface JobOutputs {
  jobId: string;
  /** Job folders of the attempts that were submitted, oldest first; the last one's missing outputs are an error when `succeeded`. */
  jobDirs: readonly string[];
  outputDir: string;
  /** The job completed: a named (non-glob) output missing from the last attempt is then an error. */
  succeeded: boolean;
  /** Relative paths of the staged inputs, never fetched back by a glob. */
  inputs: readonly string[];
}

/** Items of a job with `outputs` settle only after the outputs are fetched (so the files exist when the caller reads them). */
export class OutputsGate {
  private readonly done = deferred<void>();
  /** Local paths written from the last attempt's folder. */
  written: string[] = [];

  /** Checks the patterns now, before anything is submitted. */
  constructor(readonly patterns: readonly string[]) {
    checkOutputPatterns(patterns);
  }

  /** Fetch the outputs of every attempt; a failure on the last one is what `apply` hands the items. */
  async fetch(transport: Transport, job: JobOutputs): Promise<void> {
    const earlier = job.jobDirs.slice(0, -1);
    const last = job.jobDirs[job.jobDirs.length - 1];
    for (const dir of earlier) {
      await fetchOutputs(transport, dir, this.patterns, job.outputDir, { succeeded: false, inputs: job.inputs, jobId: job.jobId }).catch((err: unknown) =>
        log('outputs of %s: %s', dir, (err as Error).message),
      );
    }
    if (last === undefined) return this.done.resolve();
    try {
      this.written = await fetchOutputs(transport, last, this.patterns, job.outputDir, { succeeded: job.succeeded, inputs: job.inputs, jobId: job.jobId });
      this.done.resolve();
    } catch (err) {
      this.done.reject(
        isClustrixError(err) ? err : new TransportError(`cannot fetch the outputs of job ${job.jobId}: ${(err as Error).message}`, { scope: transport.kind, jobId: job.jobId, cause: err }),
      );
    }
  }

  /** A successful outcome becomes the fetch error if fetching failed; failures stay as they are. */
  async apply<T extends { ok: boolean }>(outcome: T): Promise<T | { ok: false; error: unknown }> {
    try {
      await this.done.promise;
      return outcome;
    } catch (err) {
      return outcome.ok ? { ok: false, error: err } : outcome;
    }
  }
}
