// A job that ended by its own exit code, seen while the scheduler's last word was not final yet (SGE's `t`,
// SLURM's RUNNING): the status says EXITED, not the stale word, so an error built from it does not mislead.
import { describe, expect, test } from '@jest/globals';
import { GUESSED_END_HOLD_ROUNDS, GuessedEnds, mergeBatchStatus as merge } from '../src/batch/status-merge.js';
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

describe('GuessedEnds: an end the scheduler only guessed is held a few round trips for the exit code', () => {
  const guessed = { state: 'cancelled' as const, schedulerState: 'C', reason: 'no exit status', guessed: true };
  const running = { state: 'running' as const, schedulerState: 'R' };
  const noCode = { exitCode: undefined };
  test('seen running, then ended without an exit status and no exit code: its last active state, for at most the hold', () => {
    const g = new GuessedEnds();
    expect(g.hold(ref, running, noCode)).toBeUndefined();
    const held = Array.from({ length: GUESSED_END_HOLD_ROUNDS }, () => g.hold(ref, guessed, noCode));
    expect(held).toEqual(held.map(() => ({ state: 'running', schedulerState: 'R' })));
    expect(g.hold(ref, guessed, noCode)).toBeUndefined(); // read now, with whatever the folder holds
  });
  test('the exit code arrives while held: read at once', () => {
    const g = new GuessedEnds();
    g.hold(ref, running, noCode);
    expect(g.hold(ref, guessed, noCode)).toBeDefined();
    expect(g.hold(ref, guessed, { exitCode: 143 })).toBeUndefined();
  });
  test('a first look (a new process, `clustrix status`): read now', () => {
    expect(new GuessedEnds().hold(ref, guessed, undefined)).toBeUndefined();
  });
  test('a scheduler that says how it ended (not guessed), or an array: not held', () => {
    const g = new GuessedEnds();
    g.hold(ref, running, noCode);
    expect(g.hold(ref, { state: 'cancelled', schedulerState: 'CANCELLED' }, undefined)).toBeUndefined();
    const arr = { ...ref, count: 2 };
    g.hold(arr, running, noCode);
    expect(g.hold(arr, guessed, undefined)).toBeUndefined();
  });
});
