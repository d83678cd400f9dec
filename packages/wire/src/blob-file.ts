/**
 * The companion file of a job-folder JSON file: `job.json` + `job.bin`, `items/3.json` + `items/3.bin`,
 * `result.json` + `result.bin`. It holds the raw bytes of the large typed arrays, Buffers, ArrayBuffers
 * and DataViews of the values in the JSON file (`SerializedValue.blobs` says where), each blob at an
 * offset that is a multiple of 8. Written from the values' own memory with positioned writes, read
 * back with one allocation per blob and positioned reads into it: the bytes are never base64, and
 * never whole in memory twice.
 */
import { open } from 'node:fs/promises';
import { blobMemory, type SerializedValue } from './serialize.js';

/** Blobs start at a multiple of this in the companion file (the widest element, a Float64Array's or BigInt64Array's). */
export const BLOB_ALIGN = 8;

/** Bytes per positioned write or read: large single writes of fresh pages measured ~2× slower than 1 MiB ones. */
const IO_CHUNK = 1 << 20;

/** `items/3.json` → `items/3.bin`. */
export function companionOf(jsonName: string): string {
  return jsonName.replace(/\.json$/, '') + '.bin';
}

/** Whether any of `values` names blobs of a companion file. */
export function hasBlobs(...values: (SerializedValue | undefined)[]): boolean {
  return values.some((v) => !!v?.blobs?.length);
}

/** The layout of one companion file: the values of one JSON file placed in it, one after the other. */
export class CompanionLayout {
  readonly pieces: { offset: number; bytes: Uint8Array }[] = [];
  size = 0;

  /** `value` with its blobs placed in this file (a copy; `value` itself is left as it is, so it can be placed elsewhere too). */
  place<T extends SerializedValue | undefined>(value: T): T {
    const memory = value ? blobMemory(value) : undefined;
    if (!value || !memory) return value;
    const blobs = memory.map((bytes) => {
      const offset = Math.ceil(this.size / BLOB_ALIGN) * BLOB_ALIGN;
      this.pieces.push({ offset, bytes });
      this.size = offset + bytes.byteLength;
      return { offset, length: bytes.byteLength };
    });
    return { ...value, blobs };
  }

  get empty(): boolean {
    return this.pieces.length === 0;
  }
}

/** Write the companion file at `path` (mode 0600) from the values' memory. */
export async function writeCompanion(path: string, layout: CompanionLayout, mode = 0o600): Promise<void> {
  const fh = await open(path, 'w', mode);
  try {
    for (const { offset, bytes } of layout.pieces) {
      let done = 0;
      while (done < bytes.byteLength) {
        const { bytesWritten } = await fh.write(bytes, done, Math.min(IO_CHUNK, bytes.byteLength - done), offset + done);
        done += bytesWritten;
      }
    }
    await fh.truncate(layout.size);
  } finally {
    await fh.close();
  }
}

/** The whole companion file in memory (a copy: for small files sent in one batch with others). */
export function companionBytes(layout: CompanionLayout): Buffer {
  const out = Buffer.alloc(layout.size);
  for (const { offset, bytes } of layout.pieces) out.set(bytes, offset);
  return out;
}

/** Bytes a companion file must hold for `values`: the end of their last blob. */
export function companionSize(values: (SerializedValue | undefined)[]): number {
  return Math.max(0, ...values.flatMap((v) => (v?.blobs ?? []).map((b) => b.offset + b.length)));
}

/** The blobs `values` name, cut out of a companion file already in memory (views; `deserialize` copies what must own its memory). */
export function blobsFrom(file: Buffer, values: (SerializedValue | undefined)[]): (Buffer[] | undefined)[] {
  const need = companionSize(values);
  if (file.byteLength < need) throw new Error(`the companion file has ${file.byteLength} bytes; its blobs need ${need}`);
  return values.map((v) => (v?.blobs?.length ? v.blobs.map((b) => file.subarray(b.offset, b.offset + b.length)) : undefined));
}

/**
 * The bytes of the blobs `values` name, read from the companion file at `path`: per value, one Buffer per
 * blob, each owning a fresh ArrayBuffer of exactly its length (so a Float64Array over it is aligned).
 */
export async function loadBlobs(path: string, values: (SerializedValue | undefined)[]): Promise<(Buffer[] | undefined)[]> {
  if (!hasBlobs(...values)) return values.map(() => undefined);
  const fh = await open(path, 'r');
  try {
    const out: (Buffer[] | undefined)[] = [];
    for (const value of values) {
      if (!value?.blobs?.length) {
        out.push(undefined);
        continue;
      }
      const buffers: Buffer[] = [];
      for (const { offset, length } of value.blobs) {
        const buf = Buffer.allocUnsafeSlow(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await fh.read(buf, done, Math.min(IO_CHUNK, length - done), offset + done);
          if (bytesRead <= 0) throw new Error(`${path} ends at ${offset + done} bytes; a blob needs ${offset + length}`);
          done += bytesRead;
        }
        buffers.push(buf);
      }
      out.push(buffers);
    }
    return out;
  } finally {
    await fh.close();
  }
}
