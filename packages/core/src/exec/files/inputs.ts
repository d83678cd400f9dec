/**
 * `inputs`: local files or folders go into the job folder at the same relative path (paths outside
 * the current folder: by their base name), so the method opens them as it would here. Over SSH,
 * inputs are stored once per content hash in `<remoteRoot>/files/` — an unchanged file is never
 * uploaded twice — and copied into each job folder with one command. (`outputs`: outputs.ts.)
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { ConfigError, TransportError } from '../../errors.js';
import type { Transport } from '../../transport/contract.js';
import { StagingChecker, stagingChecker } from '../../transport/staging-trust.js';
import { logger } from '../../util/debug.js';

const log = logger('files');

/** Names the job-folder protocol and the schedulers own: never inputs, never matched by output globs. */
export const RESERVED = ['job.json', 'job.bin', 'result.json', 'result.bin', 'error.json', 'stdout', 'stderr', 'exit_code', 'items', 'results', 'errors', 'logs', 'exit_codes', 'checkpoint.json', 'checkpoints'];

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

export function toPosix(p: string): string {
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
  const blobOf = (f: InputFile) => `${remoteRoot}/files/${f.hash}`;
  const unique = [...new Map(files.map((f) => [f.hash, f])).values()];
  const blobs = uploadBlobs(transport, remoteRoot, unique, blobOf);
  await Promise.all(
    unique.map(async (f) => {
      if (await blobs.get(f.hash)!) stats.uploaded++;
      else stats.reused++;
    }),
  );
  await copyBlobs(transport, jobDir, files.map((f) => [blobOf(f), f.rel] as const));
  log('inputs for %s: %d uploaded, %d already there', jobDir, stats.uploaded, stats.reused);
  return stats;
}

/** Upload the blobs that are not on the cluster yet (or not as they should be); per hash, true when it was uploaded. */
function uploadBlobs(transport: Transport, remoteRoot: string, unique: readonly InputFile[], blobOf: (f: InputFile) => string): Map<string, Promise<boolean>> {
  let mine = inflight.get(transport);
  if (!mine) inflight.set(transport, (mine = new Map()));
  const blobs = mine;
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
  return new Map(unique.map((f) => [f.hash, blobs.get(f.hash)!]));
}

/** Copy blobs into the job folder (`[blob, rel]` pairs), in chunks that keep each command line well under ARG_MAX. */
async function copyBlobs(transport: Transport, jobDir: string, pairs: ReadonlyArray<readonly [string, string]>): Promise<void> {
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
  for (const [blob, rel] of pairs) {
    chunk.push(blob, rel);
    bytes += blob.length + rel.length + 8;
    if (bytes > 60_000) await flush();
  }
  await flush();
}
