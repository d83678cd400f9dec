// A job that ended by its own exit code, seen while the scheduler's last word was not final yet (SGE's `t`,
// SLURM's RUNNING): the status says EXITED, not the stale word, so an error built from it does not mislead.
import { describe, expect, test } from '@jest/globals';
import { endJustGuessed, mergeBatchStatus as merge } from '../src/batch/status-merge.js';
import type { JobRef } from '../src/scheduler/contract.js';

const ref: JobRef = { jobId: 'j1', schedulerJobId: '42', jobDir: '/x/jobs/j1' };

describe('merge: the exit-code marker with a stale scheduler word', () => {
  test('exit 1 while qstat still says `t` (transferring): failed, schedulerState EXITED, exit code kept', () => {
    const st = merge(ref, { state: 'running', schedulerState: 't' }, { exitCode: 1, tasks: new Map() });
    expect(st).toEqual({ state: 'failed', schedulerState: 'EXITED', exitCode: 1 });
  });

  test('exit 1 and the scheduler already says FAILED: its word is kept', () => {
    const st = merge(ref, { state: 'failed', schedulerState: 'FAILED' }, { exitCode: 1, tasks: new Map() });
    expect(st).toEqual({ state: 'failed', schedulerState: 'FAILED', exitCode: 1 });
  });

  test('array task ended while the array still RUNNING: that task reads EXITED', () => {
    const arrayRef: JobRef = { ...ref, count: 2 };
    const st = merge(arrayRef, { state: 'running', schedulerState: 'RUNNING' }, { exitCode: undefined, tasks: new Map([[0, 0]]) });
    expect(st.tasks?.get(0)).toEqual({ state: 'completed', schedulerState: 'EXITED', exitCode: 0 });
    expect(st.tasks?.get(1)).toMatchObject({ state: 'running', schedulerState: 'RUNNING' });
  });
});

describe('endJustGuessed: an end the scheduler only guessed is read one round trip later', () => {
  const guessed = { state: 'cancelled' as const, schedulerState: 'C', reason: 'no exit status', guessed: true };
  const running = { state: 'running' as const, schedulerState: 'R' };
  test('seen running on the last round trip, now ended without an exit status and no exit code: held', () => {
    expect(endJustGuessed(ref, guessed, running, { exitCode: undefined })).toBe(true);
  });
  test('already seen ended on the last round trip: read now', () => {
    expect(endJustGuessed(ref, guessed, guessed, { exitCode: undefined })).toBe(false);
  });
  test('a first look (a new process, `clustrix status`): read now', () => {
    expect(endJustGuessed(ref, guessed, undefined, undefined)).toBe(false);
  });
  test('the exit code is there: the marker decides, nothing held', () => {
    expect(endJustGuessed(ref, guessed, running, { exitCode: 143 })).toBe(false);
  });
  test('a scheduler that says how it ended (not guessed), or an array: not held', () => {
    expect(endJustGuessed(ref, { state: 'cancelled', schedulerState: 'CANCELLED' }, running, undefined)).toBe(false);
    expect(endJustGuessed({ ...ref, count: 2 }, guessed, running, undefined)).toBe(false);
  });
});
