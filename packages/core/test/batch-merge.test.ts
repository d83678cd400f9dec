// A job that ended by its own exit code, seen while the scheduler's last word was not final yet (SGE's `t`,
// SLURM's RUNNING): the status says EXITED, not the stale word, so an error built from it does not mislead.
import { describe, expect, test } from '@jest/globals';
import { mergeBatchStatus as merge } from '../src/batch/status-merge.js';
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
