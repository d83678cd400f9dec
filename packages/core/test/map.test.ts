import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchError, configure, map, shutdown, type MapProgress } from '@clustrix/core';
import { ValidationError, Worker } from './fixtures/jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-map-'));
configure({ remoteRoot: join(root, 'remote') }, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
afterAll(() => shutdown());

/** A fresh folder for the jobs' own markers. */
const markers = () => mkdtempSync(join(root, 'markers-'));

describe('map: fan-out on the local scheduler', () => {
  const w = new Worker('m');

  test('results come back in input order', async () => {
    const values = [5, 'b', { c: 3 }, [4], null];
    const out = await map(values, (v) => w.echo(v));
    expect(out.map((r) => r.value)).toEqual(values);
  });

  // What ran together is read from markers the jobs write themselves: each waits until as many run at
  // once as the cap allows (a scheduler that ran fewer would never release it), and reports how many it saw.
  test('N calls on the CPU count: CPUs of them run at once, never more', async () => {
    const cpus = availableParallelism();
    const n = cpus * 3;
    const dir = markers();
    const seen = await map(Array.from({ length: n }, (_, i) => i), (i) => w.together(dir, i, n, cpus));
    expect(Math.max(...seen)).toBe(cpus);
    expect(readdirSync(join(dir, 'done'))).toHaveLength(n);
  }, 60_000);

  test('concurrency caps the items running at once', async () => {
    const dir = markers();
    const seen = await map([0, 1, 2], (i) => w.together(dir, i, 3, 1), { concurrency: 1 });
    expect(seen).toEqual([1, 1, 1]);
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
    const dir = markers();
    const release = (i: number) => writeFileSync(join(dir, `release-${i}`), '');
    // each item ends when the test releases it; the next is released only once the previous was yielded
    const finishOrder = [1, 2, 0];
    const batch = map([0, 1, 2], (i) => w.waitFor(join(dir, `release-${i}`), i), { onProgress: (p) => progress.push(p) });
    const order: number[] = [];
    release(finishOrder[0]!);
    for await (const r of batch) {
      order.push(r.index);
      expect(r).toMatchObject({ status: 'fulfilled', value: r.index });
      if (order.length < finishOrder.length) release(finishOrder[order.length]!);
    }
    expect(order).toEqual(finishOrder);
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
