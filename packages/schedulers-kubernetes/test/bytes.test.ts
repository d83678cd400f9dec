// Large bytes on Kubernetes: the payload travels in a Secret and the result in the pod log, so no
// companion .bin file can go along; the bytes stay inline (base64) both ways and arrive whole.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { BytesLab } from './fixtures/bytes-jobs.js';
import { startFake, stopFake, type FakeCluster } from './helpers.js';

let c: FakeCluster;
beforeAll(async () => {
  c = await startFake();
});
afterAll(() => stopFake(c));

describe('kubernetes scheduler: large bytes', () => {
  test('a large Float64Array argument and instance state come back whole (inline, no companion file)', async () => {
    const values = new Float64Array(20_000).map((_, i) => i / 7);
    const state = new Uint8Array(100_000).map((_, i) => (i * 31) & 255);
    const lab = new BytesLab(state);
    const back = await lab.echo({ values });
    expect(back.values.constructor.name).toBe('Float64Array');
    expect(Buffer.from(back.values.buffer).equals(Buffer.from(values.buffer))).toBe(true);
    const own = await lab.ownState();
    expect(Buffer.from(own!).equals(Buffer.from(state))).toBe(true);
  }, 60_000);
});
