/**
 * `inputs` and `outputs`: local files or folders go into the job folder at the same relative path
 * (paths outside the current folder: by their base name), so the method opens them as it would
 * here; afterwards the files matching `outputs` (paths or globs, relative to the job folder) come
 * back under `outputDir`. Over SSH, inputs are stored once per content hash in
 * `<remoteRoot>/files/` — an unchanged file is never uploaded twice — and copied into each job
 * folder with one command; outputs are found with one `find` and matched by tinyglobby.
 */
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { ConfigError, TransportError } from '../../errors.js';
import type { Transport } from '../../transport/contract.js';
import { StagingChecker, stagingChecker } from '../../transport/staging-trust.js';
import { logger } from '../../util/debug.js';
import { listingFs } from './listing-fs.js';

const log = logger('files');

/** Names the job-folder protocol and the schedulers own: never inputs, never matched by output globs. */
const RESERVED = ['job.json', 'result.json', 'error.json', 'stdout', 'stderr', 'exit_code', 'items', 'results', 'errors', 'logs', 'exit_codes', 'checkpoint.json', 'checkpoints'];
const RESERVED_GLOBS = [...RESERVED.flatMap((n) => [n, `${n}/**`]), '.clustrix*', '.clustrix*/**', '**/*.tmp', '**/*.part'];

export interface InputFile {
  local: string;
  /** Path inside the job folder (POSIX). */
  rel: string;
  hash: string;
  size: number;
}

export interface StageInputStats {
  uploaded: number;
  reused: number;
}

const hashMemo = new Map<string, { size: number; mtimeMs: number; hash: string }>();

async function hashFile(path: string, size: number, mtimeMs: number): Promise<string> {
  const memo = hashMemo.get(path);
  if (memo && memo.size === size && memo.mtimeMs === mtimeMs) return memo.hash;
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  const hash = h.digest('hex');
  hashMemo.set(path, { size, mtimeMs, hash });
  return hash;
}

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile() || e.isSymbolicLink()) out.push(p);
  }
  return out;
}

/** Check and hash the inputs (before anything is submitted). */
export async function planInputs(inputs: readonly string[], cwd: string): Promise<InputFile[]> {
  const files: InputFile[] = [];
  const seen = new Map<string, string>();
  for (const input of inputs) {
    const abs = resolve(cwd, input);
    let st;
    try {
      st = await stat(abs);
    } catch {
      throw new ConfigError(`inputs: '${input}' does not exist (looked for ${abs}); expected a file or folder to upload`, { keyPath: 'inputs' });
    }
    const inside = !relative(cwd, abs).startsWith('..') && !isAbsolute(relative(cwd, abs));
    const relBase = toPosix(inside ? relative(cwd, abs) : basename(abs));
    const members = st.isDirectory() ? await walk(abs) : [abs];
    for (const file of members) {
      const fst = await stat(file);
      if (!fst.isFile()) continue;
      const rel = st.isDirectory() ? toPosix(join(relBase, relative(abs, file))) : relBase;
      const top = rel.split('/')[0]!;
      if (!rel || rel === '.' || RESERVED.includes(top) || top.startsWith('.clustrix')) {
        throw new ConfigError(`inputs: '${input}' would land at '${rel || '.'}' in the job folder, a name Clustrix uses itself; rename it or move it into a subfolder`, {
          keyPath: 'inputs',
        });
      }
      const clash = seen.get(rel);
      if (clash) throw new ConfigError(`inputs: ${clash} and ${file} would both land at '${rel}' in the job folder; rename one`, { keyPath: 'inputs' });
      seen.set(rel, file);
      files.push({ local: file, rel, hash: await hashFile(file, fst.size, fst.mtimeMs), size: fst.size });
    }
  }
  return files;
}

/** Blobs being uploaded, per transport: two jobs needing the same file upload it once. */
const inflight = new WeakMap<Transport, Map<string, Promise<boolean>>>();
/** Blob paths whose content this process has hashed on the other side (or uploaded). */
const hashedBlobs = new WeakMap<Transport, Set<string>>();

/** Put the inputs into the job folder. */
export async function stageInputs(transport: Transport, remoteRoot: string, jobDir: string, files: readonly InputFile[]): Promise<StageInputStats> {
  const stats: StageInputStats = { uploaded: 0, reused: 0 };
  if (!files.length) return stats;
  if (transport.sharesFilesystem) {
    for (const f of files) await transport.put(f.local, `${jobDir}/${f.rel}`, { mode: 0o600 });
    stats.uploaded = files.length;
    return stats;
  }
  let mine = inflight.get(transport);
  if (!mine) inflight.set(transport, (mine = new Map()));
  const blobs = mine;
  const blobOf = (f: InputFile) => `${remoteRoot}/files/${f.hash}`;
  const unique = [...new Map(files.map((f) => [f.hash, f])).values()];
  // One command tells which blobs are there, ours and unchanged (sha256 = their name); see transport/staging-trust.ts.
  // A blob hashed once by this process is then checked for owner and mode only (big inputs are not re-read per call).
  const fresh = unique.filter((f) => !blobs.has(f.hash));
  let seen = hashedBlobs.get(transport);
  if (!seen) hashedBlobs.set(transport, (seen = new Set()));
  const known = seen;
  const states =
    fresh.length && StagingChecker.supports(transport)
      ? stagingChecker(transport, remoteRoot).check(fresh.map((f) => ({ kind: 'file' as const, path: blobOf(f), sha256: known.has(blobOf(f)) ? '' : f.hash })))
      : undefined;
  fresh.forEach((f, i) => {
    const p = (async () => {
      const state = states ? (await states)[i]! : (await transport.exists(blobOf(f))) ? 'ok' : 'missing';
      if (state === 'ok') return (known.add(blobOf(f)), false);
      if (state !== 'missing') {
        log('input blob %s on %s is %s: replacing it', blobOf(f), transport.host, state);
        await transport.remove(blobOf(f));
      }
      await transport.put(f.local, blobOf(f), { mode: 0o600 });
      known.add(blobOf(f));
      return true;
    })();
    blobs.set(f.hash, p);
    p.finally(() => blobs.delete(f.hash)).catch(() => undefined);
  });
  await Promise.all(
    unique.map(async (f) => {
      if (await blobs.get(f.hash)!) stats.uploaded++;
      else stats.reused++;
    }),
  );
  // Copy blobs into the job folder, in chunks that keep each command line well under ARG_MAX.
  const script = 'd=$1; shift; while [ $# -gt 1 ]; do case $2 in */*) mkdir -p -- "$d/${2%/*}" || exit 1;; esac; cp -- "$1" "$d/$2" || exit 1; shift 2; done';
  let chunk: string[] = [];
  let bytes = 0;
  const flush = async () => {
    if (!chunk.length) return;
    const r = await transport.exec(['/bin/sh', '-c', script, 'clustrix-inputs', jobDir, ...chunk]);
    if (r.code !== 0) throw new TransportError(`cannot copy the inputs into ${jobDir} on ${transport.host}: ${r.stderr.trim()}`, { scope: transport.kind });
    chunk = [];
    bytes = 0;
  };
  for (const f of files) {
    chunk.push(blobOf(f), f.rel);
    bytes += blobOf(f).length + f.rel.length + 8;
    if (bytes > 60_000) await flush();
  }
  await flush();
  log('inputs for %s: %d uploaded, %d already there', jobDir, stats.uploaded, stats.reused);
  return stats;
}

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
