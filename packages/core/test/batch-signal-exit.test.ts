// A signal exit seen before the scheduler says why (issue 10): `scancel` from another process kills
// the runner (SIGTERM, exit code 143), the job script writes its marker, and the scheduler's next
// answer still says RUNNING. The ordering is injected, not waited for: a small dialect whose
// "scheduler" is a file read with a real shell command (what the next status query says is what the
// test wrote there), real job folders, the real round trip and collect.
import { describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, JobFailedError, type JobRef } from '@clustrix/core';
import { BatchScheduler, LocalTransport } from '@clustrix/core/scheduler';
import { fileQueueDialect } from './fixtures/file-queue-dialect.js';
import { CANCEL_MARKER } from '../src/batch/round-trip.js';
import { SIGNAL_EXIT_QUERIES } from '../src/batch/explain.js';
import { collectOutcome } from '../src/exec/run/job-outcome.js';

function world() {
  const root = mkdtempSync(join(tmpdir(), 'clustrix-signal-'));
  const queue = join(root, 'queue'); // "id state" or "id.task state" lines
  writeFileSync(queue, '');
  const dialect = fileQueueDialect(queue);
  const job = (name: string, id: string, count?: number): JobRef => {
    const jobDir = join(root, 'jobs', name);
    mkdirSync(count === undefined ? jobDir : join(jobDir, 'exit_codes'), { recursive: true });
    return { jobId: name, schedulerJobId: id, jobDir, ...(count !== undefined ? { count } : {}) };
  };
  const says = (text: string) => writeFileSync(queue, text);
  const scheduler = () => new BatchScheduler(dialect, new LocalTransport(), {});
  const collect = (ref: JobRef, status: Parameters<typeof collectOutcome>[2]) => collectOutcome({ transport: new LocalTransport(), scheduler: 'testsched', ref }, undefined, status);
  return { job, says, scheduler, collect };
}

describe('a signal exit is explained before it is classified', () => {
  test('marker 143 first while the scheduler says RUNNING: running; CANCELLED on the next read: a cancel, not a crash', async () => {
    const w = world();
    const s = w.scheduler();
    const ref = w.job('ext', '11');
    writeFileSync(join(ref.jobDir, 'exit_code'), '143\n');
    w.says('11 running\n');
    const first = (await s.status([ref])).get('ext')!;
    expect(first).toMatchObject({ state: 'running', schedulerState: 'RUNNING' });
    expect(first.reason).toBe('the runner ended with signal 15; waiting for testsched to say why');
    w.says('11 cancelled\n');
    const second = (await s.status([ref])).get('ext')!;
    expect(second).toMatchObject({ state: 'cancelled', schedulerState: 'CANCELLED', exitCode: 143 });
    const outcome = await w.collect(ref, second);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toBeInstanceOf(CancelledError);
    expect(!outcome.ok && (outcome.error as Error).message).toMatch(/^\[clustrix\] \[testsched\] job ext \(testsched 11\) was cancelled \(CANCELLED\)/);
  });

  test('a job another Clustrix process cancelled (its folder is marked) reads as cancelled at once', async () => {
    const w = world();
    const ref = w.job('other', '12');
    await w.scheduler().cancel([ref]); // e.g. `clustrix cancel` in another process
    expect(existsSync(join(ref.jobDir, CANCEL_MARKER))).toBe(true);
    writeFileSync(join(ref.jobDir, 'exit_code'), '143\n');
    w.says('12 running\n');
    const st = (await w.scheduler().status([ref])).get('other')!;
    expect(st).toMatchObject({ state: 'cancelled', schedulerState: 'RUNNING', exitCode: 143, reason: 'cancelled by Clustrix (the runner ended with signal 15)' });
    expect(await w.collect(ref, st)).toMatchObject({ ok: false, error: expect.any(CancelledError) });
  });

  test(`a signal the scheduler never explains becomes a crash after ${SIGNAL_EXIT_QUERIES} queries, not before`, async () => {
    const w = world();
    const s = w.scheduler();
    const ref = w.job('killed', '13');
    writeFileSync(join(ref.jobDir, 'exit_code'), '137\n');
    w.says('13 running\n');
    const states: string[] = [];
    for (let i = 0; i <= SIGNAL_EXIT_QUERIES; i++) states.push((await s.status([ref])).get('killed')!.state);
    expect(states).toEqual([...Array<string>(SIGNAL_EXIT_QUERIES).fill('running'), 'failed']);
    const outcome = await w.collect(ref, { state: 'failed', schedulerState: 'RUNNING', exitCode: 137, reason: 'x' });
    expect(!outcome.ok && outcome.error).toBeInstanceOf(JobFailedError);
    w.says('');
    // a fresh scheduler (another process) asks again: the job has left the queue and nobody explains it
    const fresh = w.scheduler();
    let last = '';
    for (let i = 0; i <= SIGNAL_EXIT_QUERIES; i++) last = (await fresh.status([ref])).get('killed')!.reason ?? '';
    expect(last).toBe(`the runner ended with signal 9 and testsched no longer reported it after ${SIGNAL_EXIT_QUERIES} status queries`);
  });

  test("the method's own failure (exit code 1) is not held: failed on the first read", async () => {
    const w = world();
    const ref = w.job('threw', '14');
    writeFileSync(join(ref.jobDir, 'exit_code'), '1\n');
    w.says('14 running\n');
    expect((await w.scheduler().status([ref])).get('threw')).toMatchObject({ state: 'failed', exitCode: 1 });
  });

  test('an array task: held while the array runs, cancelled when the whole array is', async () => {
    const w = world();
    const s = w.scheduler();
    const ref = w.job('arr', '15', 2);
    writeFileSync(join(ref.jobDir, 'exit_codes', '0'), '0\n');
    writeFileSync(join(ref.jobDir, 'exit_codes', '1'), '143\n');
    w.says('15 running\n');
    const first = (await s.status([ref])).get('arr')!;
    expect(first.state).toBe('running');
    expect(first.tasks?.get(0)).toMatchObject({ state: 'completed' });
    expect(first.tasks?.get(1)).toMatchObject({ state: 'running' });
    w.says('15 cancelled\n');
    const second = (await s.status([ref])).get('arr')!;
    expect(second.tasks?.get(0)).toMatchObject({ state: 'completed' });
    expect(second.tasks?.get(1)).toMatchObject({ state: 'cancelled', exitCode: 143 });
  });
});
