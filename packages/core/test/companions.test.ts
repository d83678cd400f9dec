// Companion .bin files through a transport that does not share the filesystem (as SSH): small ones in one
// batch with the JSON files' write and read, large ones through a temporary file and put/get (streamed).
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompanionLayout, deserialize, serializeWithBlobs, type SerializedValue } from '@clustrix/wire';
import { copyCompanions, readCompanionBlobs, STREAMED_COMPANION_BYTES, writeCompanions } from '../src/exec/files/companions.js';
import { LocalTransport } from '../src/transport/local.js';
import type { Transport } from '../src/transport/contract.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-companions-'));

/** This machine, seen as a remote host: what a transport call was, recorded. */
function remoteLike(canExec: boolean): { t: Transport; calls: string[] } {
  const calls: string[] = [];
  const local = new LocalTransport();
  const t: Transport = {
    kind: 'fake',
    host: 'fake',
    sharesFilesystem: false,
    canExec,
    exec: (argv, o) => (calls.push(`exec ${argv[3]}`), local.exec(argv, o)),
    resolvePath: (p) => local.resolvePath(p),
    mkdir: (p, o) => local.mkdir(p, o),
    exists: (p) => local.exists(p),
    put: (l, r, o) => (calls.push(`put ${r.slice(root.length)}`), local.put(l, r, o)),
    get: (r, l) => (calls.push(`get ${r.slice(root.length)}`), local.get(r, l)),
    writeFiles: (d, f, o) => (calls.push(`writeFiles ${Object.keys(f).join(',')}`), local.writeFiles(d, f, o)),
    readFiles: (p, o) => (calls.push(`readFiles ${p.map((x) => x.slice(root.length)).join(',')}`), local.readFiles(p, o)),
    remove: (p, o) => local.remove(p, o),
    close: async () => undefined,
  };
  return { t, calls };
}

const placedIn = (layout: CompanionLayout, v: unknown): SerializedValue => layout.place(serializeWithBlobs(v));

describe('companion files through a transport without a shared filesystem', () => {
  test('small ones go in one writeFiles batch and come back with readFiles; large ones through put and get', async () => {
    const { t, calls } = remoteLike(true);
    const dir = join(root, 'job-a');
    const small = new Float64Array(100_000 / 8).map((_, i) => i);
    const large = new Uint8Array(STREAMED_COMPANION_BYTES + 5).map((_, i) => i & 255);
    const layouts = { 'items/0.json': new CompanionLayout(), 'items/1.json': new CompanionLayout(), 'items/2.json': new CompanionLayout() };
    const values = [placedIn(layouts['items/0.json'], [small]), placedIn(layouts['items/1.json'], [small]), placedIn(layouts['items/2.json'], { large })];
    await writeCompanions(t, dir, layouts);
    expect(calls).toEqual(['put /job-a/items/2.bin', 'writeFiles items/0.bin,items/1.bin']);
    expect(statSync(join(dir, 'items/0.bin')).size).toBe(small.byteLength);
    expect(readFileSync(join(dir, 'items/2.bin')).equals(Buffer.from(large))).toBe(true);

    calls.length = 0;
    const [smallBlobs] = await readCompanionBlobs(t, join(dir, 'items/1.json'), [values[1]]);
    const [largeBlobs] = await readCompanionBlobs(t, join(dir, 'items/2.json'), [values[2]]);
    expect(calls).toEqual(['readFiles /job-a/items/1.bin', 'get /job-a/items/2.bin']);
    const backSmall = deserialize<[Float64Array]>(values[1]!, smallBlobs)[0];
    expect(backSmall.constructor.name).toBe('Float64Array');
    expect(Buffer.from(backSmall.buffer, backSmall.byteOffset, backSmall.byteLength).equals(Buffer.from(small.buffer))).toBe(true);
    expect(Buffer.from(deserialize<{ large: Uint8Array }>(values[2]!, largeBlobs).large).equals(Buffer.from(large))).toBe(true);
  });

  test('a missing companion is an error naming it', async () => {
    const { t } = remoteLike(true);
    const v = placedIn(new CompanionLayout(), new Uint8Array(70_000));
    await expect(readCompanionBlobs(t, join(root, 'nowhere', 'result.json'), [v])).rejects.toThrow(`fake:${join(root, 'nowhere', 'result.bin')} is missing`);
  });

  test.each([true, false])('a retry folder takes over the companions of an earlier attempt (canExec: %s)', async (canExec) => {
    const { t, calls } = remoteLike(canExec);
    const from = join(root, `first-${canExec}`);
    const to = join(root, `retry-${canExec}`);
    const layout = new CompanionLayout();
    placedIn(layout, new Uint8Array(70_000).fill(9));
    await new LocalTransport().mkdir(join(from, 'items')); // writeJob makes the folders first
    await writeCompanions(new LocalTransport(), from, { 'items/4.json': layout });
    await new LocalTransport().mkdir(join(to, 'items'));
    await copyCompanions(t, to, [[join(from, 'items/4.bin'), 'items/0.bin']]);
    expect(readFileSync(join(to, 'items/0.bin')).equals(readFileSync(join(from, 'items/4.bin')))).toBe(true);
    expect(calls.map((c) => c.split(' ')[0])).toEqual(canExec ? ['exec'] : ['get', 'put']);
  });
});
