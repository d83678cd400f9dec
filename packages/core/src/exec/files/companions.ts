/**
 * The companion `.bin` files of a job folder (see @clustrix/wire blob-file.ts) through a transport.
 * Only where the files the transport writes are the files the job's Node reads, and back (`canExec`:
 * this machine, a login host; or a shared filesystem); elsewhere (Kubernetes, whose payload travels
 * in an API object) the bytes stay inline.
 * On a shared filesystem they are written and read in place; otherwise through a local temporary
 * file moved with the transport's `put`/`get` (SFTP `fastPut`/`fastGet`: parallel requests, streamed
 * from and to disk), so the bytes are never in memory twice.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  blobsFrom,
  companionBytes,
  companionOf,
  companionSize,
  loadBlobs,
  writeCompanion,
  type CompanionLayout,
  type SerializedValue,
} from '@clustrix/wire';
import { ClustrixError } from '../../errors.js';
import type { Transport } from '../../transport/contract.js';

/** Whether job folders written through `transport` may keep bytes in companion files. */
export function carriesCompanions(transport: Transport): boolean {
  return transport.canExec === true || transport.sharesFilesystem;
}

async function withLocalTemp<T>(fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'clustrix-bin-'));
  try {
    return await fn(join(dir, `${randomBytes(4).toString('hex')}.bin`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Below this size a companion file crosses a transport that does not share the filesystem in memory, in one
 * batch with the others (`writeFiles`, `readFiles`: one round trip for many items' small arrays); from it
 * on, through a temporary file and `put`/`get` (streamed, parallel SFTP requests).
 */
export const STREAMED_COMPANION_BYTES = 8 * 1024 * 1024;

/** How the companions of a job folder's JSON files get there: in the JSON files' own batch, or each streamed. */
export interface CompanionPlan {
  /** Small companions in memory, by name in the folder: written with the JSON files (`writeFiles`). */
  batch: Record<string, Uint8Array>;
  /** The others, by their JSON file's name: `writeStreamedCompanions`. */
  streamed: Record<string, CompanionLayout>;
}

export function planCompanions(transport: Transport, layouts: Record<string, CompanionLayout>): CompanionPlan {
  const plan: CompanionPlan = { batch: {}, streamed: {} };
  for (const [jsonName, layout] of Object.entries(layouts)) {
    if (layout.empty) continue;
    if (!transport.sharesFilesystem && layout.size < STREAMED_COMPANION_BYTES) plan.batch[companionOf(jsonName)] = companionBytes(layout);
    else plan.streamed[jsonName] = layout;
  }
  return plan;
}

/** Write companions from their values' memory into `dir` on the transport's side: in place, or through a temporary file and `put`. */
export async function writeStreamedCompanions(transport: Transport, dir: string, streamed: Record<string, CompanionLayout>): Promise<void> {
  for (const [jsonName, layout] of Object.entries(streamed)) {
    const remote = `${dir}/${companionOf(jsonName)}`;
    if (transport.sharesFilesystem) await writeCompanion(remote, layout);
    else {
      await withLocalTemp(async (tmp) => {
        await writeCompanion(tmp, layout);
        await transport.put(tmp, remote, { mode: 0o600 });
      });
    }
  }
}

/** Write the companions of the JSON files `layouts` names (`{ 'items/3.json': layout }`) into `dir` on the transport's side. */
export async function writeCompanions(transport: Transport, dir: string, layouts: Record<string, CompanionLayout>): Promise<void> {
  const plan = planCompanions(transport, layouts);
  await writeStreamedCompanions(transport, dir, plan.streamed);
  if (Object.keys(plan.batch).length) await transport.writeFiles(dir, plan.batch);
}

/** The blobs `values` of the JSON file at `jsonPath` (on the transport's side) name, read from its companion. */
export async function readCompanionBlobs(transport: Transport, jsonPath: string, values: (SerializedValue | undefined)[]): Promise<(Buffer[] | undefined)[]> {
  if (!values.some((v) => v?.blobs?.length)) return values.map(() => undefined);
  const remote = companionOf(jsonPath);
  if (transport.sharesFilesystem) return loadBlobs(remote, values);
  if (companionSize(values) < STREAMED_COMPANION_BYTES) {
    const file = (await transport.readFiles([remote])).get(remote);
    if (!file) throw new ClustrixError(`${transport.host}:${remote} is missing; the result names bytes in it`, { scope: transport.kind });
    return blobsFrom(file, values);
  }
  return withLocalTemp(async (tmp) => {
    await transport.get(remote, tmp);
    return loadBlobs(tmp, values);
  });
}

/**
 * Give the folder `dir` the companion files of an earlier attempt's (`[from, to]`: an absolute path, a
 * name inside `dir`): hard links (or copies) made on the cluster in one command, or — on a transport
 * that cannot run commands — a download and an upload.
 */
export async function copyCompanions(transport: Transport, dir: string, pairs: readonly [string, string][]): Promise<void> {
  if (!pairs.length) return;
  if (!transport.canExec) {
    for (const [from, to] of pairs) {
      await withLocalTemp(async (tmp) => {
        await transport.get(from, tmp);
        await transport.put(tmp, `${dir}/${to}`, { mode: 0o600 });
      });
    }
    return;
  }
  const script = 'dst=$1; shift; while [ $# -gt 0 ]; do ln -f "$1" "$dst/$2" 2>/dev/null || cp -p "$1" "$dst/$2" || exit 1; shift 2; done';
  const out = await transport.exec(['sh', '-c', script, 'clustrix-copy-bytes', dir, ...pairs.flat()]);
  if (out.code !== 0) {
    throw new ClustrixError(`cannot copy the earlier attempt's bytes (.bin files) into ${dir}: ${out.stderr.trim()}; was the job folder removed?`, { scope: transport.kind });
  }
}
