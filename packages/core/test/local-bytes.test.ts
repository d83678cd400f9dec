// Bytes through the local scheduler: typed arrays, Buffer, ArrayBuffer and DataView travel as raw bytes
// in the job folder's companion .bin files (not base64 in the JSON), at any depth, both ways.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure, map, shutdown, submit } from '@clustrix/core';
import { BytesJobs } from './fixtures/bytes-jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-bytes-'));
configure({ remoteRoot: join(root, 'remote') }, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
afterAll(() => shutdown());
const jobDir = (id: string) => join(root, 'remote', 'jobs', id);

/** `n` bytes of a recognizable pattern (`seed` tells buffers apart). */
function pattern(n: number, seed = 1): ArrayBuffer {
  const ab = new ArrayBuffer(n);
  const u8 = new Uint8Array(ab);
  for (let i = 0; i < n; i++) u8[i] = (i * 31 + seed * 7 + (i >> 8)) & 255;
  return ab;
}
const bytesOf = (v: ArrayBufferView | ArrayBuffer): Buffer =>
  ArrayBuffer.isView(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : Buffer.from(v);

const BIG = 96 * 1024; // above the 64 KiB from which bytes go to the companion file
/** Every kind, large, some over a buffer at an offset that is not a multiple of 8. */
function everyKind(): Record<string, ArrayBufferView | ArrayBuffer> {
  const shared = pattern(BIG + 64, 9);
  return {
    Int8Array: new Int8Array(pattern(BIG, 1)),
    Uint8Array: new Uint8Array(shared, 3, BIG),
    Uint8ClampedArray: new Uint8ClampedArray(pattern(BIG, 2)),
    Int16Array: new Int16Array(shared, 2, BIG / 2),
    Uint16Array: new Uint16Array(pattern(BIG, 3)),
    Int32Array: new Int32Array(shared, 4, BIG / 4),
    Uint32Array: new Uint32Array(pattern(BIG, 4)),
    Float32Array: new Float32Array(pattern(BIG, 5)),
    Float64Array: new Float64Array(shared, 8, BIG / 8),
    BigInt64Array: new BigInt64Array(pattern(BIG, 6)),
    BigUint64Array: new BigUint64Array(pattern(BIG, 7)),
    DataView: new DataView(shared, 5, BIG),
    Buffer: Buffer.from(pattern(BIG + 16, 8), 1, BIG),
    ArrayBuffer: pattern(BIG, 10),
  };
}

function expectSameBytes(back: Record<string, unknown>, sent: Record<string, ArrayBufferView | ArrayBuffer>): void {
  for (const [kind, v] of Object.entries(sent)) {
    const got = back[kind] as ArrayBufferView | ArrayBuffer;
    expect([kind, (got as object).constructor.name]).toEqual([kind, kind === 'Buffer' ? 'Buffer' : v.constructor.name]);
    expect(bytesOf(got).equals(bytesOf(v))).toBe(true);
  }
}

describe('bytes through the local scheduler', () => {
  const jobs = new BytesJobs();

  test('every typed-array kind, Buffer, ArrayBuffer and DataView, deep in the arguments, come back the same', async () => {
    const sent = everyKind();
    const back = await jobs.echo({ deep: [{ values: sent }] });
    expectSameBytes(back.deep[0]!.values, sent);
  }, 60_000);

  test('the job sees each view with its own length (a view at an odd byteOffset arrives as just its bytes)', async () => {
    const shared = pattern(BIG + 64);
    const shapes = await jobs.shapes([new Uint8Array(shared, 3, BIG), new DataView(shared, 5, BIG), new Int16Array(shared, 2, 100)]);
    expect(shapes).toEqual([
      { type: 'Uint8Array', byteLength: BIG, byteOffset: 0 },
      { type: 'DataView', byteLength: BIG, byteOffset: 0 },
      { type: 'Int16Array', byteLength: 200, byteOffset: 0 },
    ]);
  }, 60_000);

  test("the instance's state carries bytes at depth", async () => {
    const sent = everyKind();
    const back = (await new BytesJobs({ layers: [{ sent }] }).ownState()) as { layers: [{ sent: Record<string, unknown> }] };
    expectSameBytes(back.layers[0].sent, sent);
  }, 60_000);

  test('the same array referenced twice comes back as one array', async () => {
    const a = new Float64Array(pattern(BIG));
    const back = await jobs.echo({ first: a, again: [a], small: new Uint8Array([1, 2, 3]) });
    expect(back.first).toBe(back.again[0]);
    expect(bytesOf(back.first).equals(bytesOf(a))).toBe(true);
    expect([...back.small]).toEqual([1, 2, 3]);
  }, 60_000);

  test('a large array travels in job.bin and result.bin, with no base64 of it in the JSON files', async () => {
    const values = new Float64Array(256 * 1024).map((_, i) => i / 3);
    const h = await submit(() => jobs.twice(values));
    const doubled = await h.result();
    expect(doubled.constructor.name).toBe('Float64Array');
    expect(doubled.length).toBe(values.length);
    expect([doubled[0], doubled[1], doubled[values.length - 1]]).toEqual([0, (1 / 3) * 2, ((values.length - 1) / 3) * 2]);
    const dir = jobDir(h.id);
    expect(statSync(join(dir, 'job.bin')).size).toBe(values.byteLength);
    expect(statSync(join(dir, 'result.bin')).size).toBe(values.byteLength);
    const snippet = Buffer.from(values.buffer, 8 * 1000, 48).toString('base64');
    for (const file of ['job.json', 'result.json']) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text.length).toBeLessThan(4096);
      expect(text).not.toContain(snippet);
      expect(text).toContain('Float64Array@blob:0');
    }
  }, 60_000);

  test('small bytes stay inline: no companion file', async () => {
    const h = await submit(() => jobs.echo(new Float64Array([1, 2, 3])));
    expect([...(await h.result())]).toEqual([1, 2, 3]);
    expect(existsSync(join(jobDir(h.id), 'job.bin'))).toBe(false);
    expect(existsSync(join(jobDir(h.id), 'result.bin'))).toBe(false);
  }, 60_000);

  test('map: items carrying bytes each get their items/<i>.bin and results/<i>.bin, results in order', async () => {
    const inputs = [1, 2, 3].map((k) => new Float64Array(BIG / 8).fill(k));
    const out = await map(inputs, (v) => jobs.twice(v));
    expect(out.map((r) => [r.constructor.name, r.length, r[0], r[r.length - 1]])).toEqual([
      ['Float64Array', BIG / 8, 2, 2],
      ['Float64Array', BIG / 8, 4, 4],
      ['Float64Array', BIG / 8, 6, 6],
    ]);
    const dirs = (await import('node:fs')).readdirSync(join(root, 'remote', 'jobs')).map((d) => jobDir(d));
    const arrayDir = dirs.find((d) => existsSync(join(d, 'items', '2.bin')));
    expect(arrayDir).toBeDefined();
    for (const i of [0, 1, 2]) {
      expect(statSync(join(arrayDir!, 'items', `${i}.bin`)).size).toBe(BIG);
      expect(statSync(join(arrayDir!, 'results', `${i}.bin`)).size).toBe(BIG);
    }
  }, 60_000);

  test('an error thrown with a Buffer property decodes, with its bytes', async () => {
    const payload = Buffer.from(pattern(BIG, 3));
    const err = (await jobs.failWith(payload).catch((e: unknown) => e)) as Error & { payload: Buffer };
    expect(err.message).toBe('bad bytes');
    expect(Buffer.isBuffer(err.payload)).toBe(true);
    expect(err.payload.equals(payload)).toBe(true);
  }, 60_000);

  test('a retry runs in its own folder with the bytes of the first attempt', async () => {
    const values = new Float32Array(pattern(BIG, 4));
    const h = await submit(() => jobs.echoAfterDying(join(root, 'die-once'), { values }), { retries: 1, retryDelay: 1 });
    const r = await h.result();
    expect(r.jobId).toBe(`${h.id}-r1`);
    expect(bytesOf(r.value.values).equals(bytesOf(values))).toBe(true);
    expect(existsSync(join(jobDir(`${h.id}-r1`), 'job.bin'))).toBe(true);
  }, 60_000);
});
