import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchError, configure, map, shutdown, type MapProgress } from '@clustrix/core';
import { ValidationError, Worker } from './fixtures/jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-map-'));
configure({ remoteRoot: join(root, 'remote') }, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
afterAll(() => shutdown());

/** Largest number of intervals running at one instant. */
function maxOverlap(spans: Array<{ start: number; end: number }>): number {
  const events = spans.flatMap((s) => [
    [s.start, 1],
    [s.end, -1],
  ]).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let cur = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (cur += d!));
  return max;
}

/** Waves of calls: a call starting before the previous wave's first call ended belongs to that wave. */
function rounds(spans: Array<{ start: number; end: number }>): number {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let count = 0;
  let waveEnd = -Infinity;
  for (const s of sorted) {
    if (s.start >= waveEnd) {
      count++;
      waveEnd = s.end;
    }
  }
  return count;
}

describe('map: fan-out on the local scheduler', () => {
  const w = new Worker('m');

  test('results come back in input order', async () => {
    const values = [5, 'b', { c: 3 }, [4], null];
    const out = await map(values, (v) => w.echo(v));
    expect(out.map((r) => r.value)).toEqual(values);
  });

  test('N calls on the CPU count run in about N/CPUs rounds, never more at once', async () => {
    const cpus = availableParallelism();
    const n = cpus * 3;
    const spans = await map(Array.from({ length: n }), () => w.spin(1000));
    expect(maxOverlap(spans)).toBe(cpus);
    expect(rounds(spans)).toBe(3);
  }, 60_000);

  test('concurrency caps the items running at once', async () => {
    const spans = await map([1, 2, 3], () => w.spin(300), { concurrency: 1 });
    expect(maxOverlap(spans)).toBe(1);
  }, 30_000);

  test('one failure does not lose the others: settled results and a BatchError', async () => {
    const batch = map(['ok1', 'bad', 'ok2'], (v) => (v === 'bad' ? w.fail('x') : w.echo(v)));
    const settled = await batch.settled();
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[2] as { value: { value: string } }).value.value).toBe('ok2');
    expect((settled[1] as { reason: unknown }).reason).toBeInstanceOf(ValidationError);
    const err = await Promise.resolve(batch).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatchError);
    expect((err as BatchError).message).toMatch(/1 of 3 items failed; item 1: bad x/);
    expect((err as BatchError).results).toHaveLength(3);
  });

  test('for await yields each item as it finishes, and progress is reported', async () => {
    const progress: MapProgress[] = [];
    const batch = map([900, 10, 400], (ms) => w.sleep(ms), { onProgress: (p) => progress.push(p) });
    const order: number[] = [];
    for await (const r of batch) order.push(r.index);
    expect(order).toEqual([1, 2, 0]);
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3]);
    expect(progress.at(-1)).toMatchObject({ total: 3, done: 3, succeeded: 3, failed: 0 });
  }, 30_000);

  test('the calls of one map are one job (an array), with one handle', async () => {
    const batch = map([1, 2, 3, 4], (v) => w.echo(v));
    await batch;
    expect(batch.jobs).toHaveLength(1);
    expect(batch.jobs[0]!.state).toBe('completed');
  });

  test('an argument that cannot cross fails the batch before anything runs, naming the item', async () => {
    const batch = map([1, () => 2], (v) => w.echo(v));
    const settled = await batch.settled();
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect(String((settled[0] as { reason: Error }).reason.message)).toContain('items[1].args[0] is a function');
    expect(batch.jobs).toHaveLength(0);
  });
});
