import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BLOB_ALIGN,
  BLOB_MIN_BYTES,
  blobMemory,
  blobsFrom,
  companionBytes,
  CompanionLayout,
  companionOf,
  deserialize,
  loadBlobs,
  serialize,
  serializeWithBlobs,
  SerializationError,
  writeCompanion,
  type SerializedValue,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'clustrix-blobs-'));
let files = 0;
const bytesOf = (v: ArrayBufferView | ArrayBuffer): Buffer =>
  ArrayBuffer.isView(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : Buffer.from(v);
function pattern(n: number, seed = 1): ArrayBuffer {
  const u8 = new Uint8Array(n);
  for (let i = 0; i < n; i++) u8[i] = (i * 13 + seed) & 255;
  return u8.buffer;
}

/** Serialize with blobs, lay the values out in one companion file, write it, JSON round trip, read back. */
async function throughFiles<T extends unknown[]>(...values: T): Promise<{ back: T; placed: SerializedValue[]; path: string }> {
  const layout = new CompanionLayout();
  const placed = values.map((v) => layout.place(serializeWithBlobs(v)));
  const path = join(dir, `${files++}.bin`);
  await writeCompanion(path, layout);
  const parsed = JSON.parse(JSON.stringify(placed)) as SerializedValue[];
  const blobs = await loadBlobs(path, parsed);
  return { back: parsed.map((p, i) => deserialize(p, blobs[i])) as T, placed: parsed, path };
}

const N = BLOB_MIN_BYTES + 8 * 17;
const KINDS: Array<[string, (ab: ArrayBuffer) => ArrayBufferView | ArrayBuffer]> = [
  ['Int8Array', (b) => new Int8Array(b)],
  ['Uint8Array', (b) => new Uint8Array(b, 1)],
  ['Uint8ClampedArray', (b) => new Uint8ClampedArray(b)],
  ['Int16Array', (b) => new Int16Array(b, 2)],
  ['Uint16Array', (b) => new Uint16Array(b)],
  ['Int32Array', (b) => new Int32Array(b, 4, (N - 8) / 4)],
  ['Uint32Array', (b) => new Uint32Array(b)],
  ['Float32Array', (b) => new Float32Array(b)],
  ['Float64Array', (b) => new Float64Array(b, 8)],
  ['BigInt64Array', (b) => new BigInt64Array(b)],
  ['BigUint64Array', (b) => new BigUint64Array(b, 16)],
  ['DataView', (b) => new DataView(b, 3, N - 7)],
  ['Buffer', (b) => Buffer.from(b, 5)],
  ['ArrayBuffer', (b) => b],
];

describe('bytes in a companion file', () => {
  test.each(KINDS)('%s (at an offset in its buffer) comes back with the same class and bytes, aligned', async (kind, make) => {
    const sent = make(pattern(N));
    const { back, placed } = await throughFiles({ deep: [{ sent }] });
    const got = back[0].deep[0]!.sent as ArrayBufferView | ArrayBuffer;
    expect(kind === 'Buffer' ? Buffer.isBuffer(got) : got.constructor.name === kind).toBe(true);
    expect(bytesOf(got).equals(bytesOf(sent))).toBe(true);
    if (ArrayBuffer.isView(got)) expect(got.byteOffset % BLOB_ALIGN).toBe(0);
    expect(placed[0]!.json).toEqual({ deep: [{ sent: `${kind}@blob:0` }] });
  });

  test('the JSON holds a reference, not base64; blobs are laid out at multiples of 8 across the values of one file', async () => {
    const a = new Uint8Array(pattern(BLOB_MIN_BYTES + 3, 1));
    const b = new Float64Array(pattern(BLOB_MIN_BYTES, 2));
    const { back, placed, path } = await throughFiles([a], { b });
    expect(placed.map((p) => p.blobs)).toEqual([[{ offset: 0, length: a.byteLength }], [{ offset: BLOB_MIN_BYTES + 8, length: b.byteLength }]]);
    expect(statSync(path).size).toBe(BLOB_MIN_BYTES + 8 + b.byteLength);
    expect(JSON.stringify(placed)).not.toContain(bytesOf(a).subarray(100, 160).toString('base64'));
    const file = readFileSync(path);
    expect(file.subarray(BLOB_MIN_BYTES + 8).equals(bytesOf(b))).toBe(true);
    expect(bytesOf(back[0][0]!).equals(bytesOf(a))).toBe(true);
    expect(bytesOf(back[1].b).equals(bytesOf(b))).toBe(true);
  });

  test('below BLOB_MIN_BYTES bytes stay inline base64 and the value needs no companion', () => {
    const small = serializeWithBlobs({ x: new Float64Array([1, 2]), y: Buffer.alloc(BLOB_MIN_BYTES - 1, 7) });
    expect(small.blobs).toBeUndefined();
    expect(blobMemory(small)).toBeUndefined();
    const back = deserialize<{ x: Float64Array; y: Buffer }>(JSON.parse(JSON.stringify(small)));
    expect([...back.x]).toEqual([1, 2]);
    expect(back.y.length).toBe(BLOB_MIN_BYTES - 1);
  });

  test('serialize (without blobs) keeps large bytes inline, as before', () => {
    const out = serialize(new Uint8Array(BLOB_MIN_BYTES * 2));
    expect(out.blobs).toBeUndefined();
    expect(String(out.json).startsWith('Uint8Array:')).toBe(true);
  });

  test('the same array referenced twice is one blob and comes back as one array; two views of one buffer stay two', async () => {
    const ab = pattern(BLOB_MIN_BYTES * 2);
    const whole = new Uint8Array(ab);
    const half = new Uint8Array(ab, BLOB_MIN_BYTES);
    const { back, placed } = await throughFiles({ p: whole, q: [whole], r: half });
    expect(placed[0]!.blobs).toHaveLength(2);
    expect(back[0].p).toBe(back[0].q[0]);
    expect(back[0].r).not.toBe(back[0].p);
    expect(bytesOf(back[0].r).equals(bytesOf(half))).toBe(true);
  });

  test('the blob memory is the value’s own (no copy), and placing a value twice leaves it as it was', () => {
    const a = new Float64Array(BLOB_MIN_BYTES / 8);
    const v = serializeWithBlobs([a]);
    expect(blobMemory(v)![0]!.buffer).toBe(a.buffer);
    const one = new CompanionLayout();
    one.place(serializeWithBlobs(new Uint8Array(BLOB_MIN_BYTES + 1)));
    expect(one.place(v).blobs).toEqual([{ offset: BLOB_MIN_BYTES + 8, length: a.byteLength }]);
    expect(new CompanionLayout().place(v).blobs).toEqual([{ offset: 0, length: a.byteLength }]);
    expect(v.blobs).toEqual([{ offset: -1, length: a.byteLength }]);
  });

  test('a value naming blobs cannot be rebuilt without them; a short companion file is an error naming it', async () => {
    const layout = new CompanionLayout();
    const placed = layout.place(serializeWithBlobs(new Uint8Array(BLOB_MIN_BYTES)));
    expect(() => deserialize(placed)).toThrow(SerializationError);
    const path = join(dir, 'short.bin');
    await writeCompanion(path, new CompanionLayout());
    await expect(loadBlobs(path, [placed])).rejects.toThrow(`${path} ends at 0 bytes`);
  });

  test('a companion in memory (companionBytes) is the file writeCompanion writes; blobsFrom cuts the values out of it', async () => {
    const layout = new CompanionLayout();
    const buf = Buffer.from(pattern(BLOB_MIN_BYTES + 1, 4));
    const placed = [layout.place(serializeWithBlobs({ buf })), layout.place(serializeWithBlobs(new Float32Array(pattern(BLOB_MIN_BYTES, 5))))];
    const path = join(dir, 'in-memory.bin');
    await writeCompanion(path, layout);
    const file = companionBytes(layout);
    expect(file.equals(readFileSync(path))).toBe(true);
    const blobs = blobsFrom(file, placed);
    const back = deserialize<{ buf: Buffer }>(placed[0]!, blobs[0]);
    expect(back.buf.equals(buf)).toBe(true);
    expect(back.buf.buffer).not.toBe(file.buffer); // a Buffer gets memory of its own, not a view of the whole file
    const floats = deserialize<Float32Array>(placed[1]!, blobs[1]);
    expect(floats.byteOffset % BLOB_ALIGN).toBe(0);
    expect(() => blobsFrom(file.subarray(0, 10), placed)).toThrow(`the companion file has 10 bytes; its blobs need ${file.byteLength}`);
  });

  test('companionOf names the .bin next to a JSON file', () => {
    expect(['job.json', 'items/3.json', 'result.json', 'results/12.json'].map(companionOf)).toEqual(['job.bin', 'items/3.bin', 'result.bin', 'results/12.bin']);
  });
});
