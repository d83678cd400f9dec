// The local scheduler on its SlotQueue: a task that cannot start gives its CPU back (the submit fails with a
// SubmitError naming why), and the next job runs; a queued job cancelled before it starts never runs.
// Waits on the scheduler's own change events (subscribe), not on the clock.
import { describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SubmitError } from '../src/errors.js';
import { LocalScheduler } from '../src/scheduler/local.js';
import type { JobRef, SubmitRequest } from '../src/scheduler/contract.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-local-slots-'));

const request = (jobId: string, script: string, jobDir = join(root, jobId)): SubmitRequest => ({
  jobId,
  jobDir,
  command: [process.execPath, '-e', script],
  options: {},
});

/** Resolves when `ref` reaches a terminal state, checked on each change the scheduler reports. */
function ended(local: LocalScheduler, ref: JobRef): Promise<string> {
  return new Promise((resolve) => {
    const check = async (): Promise<void> => {
      const state = (await local.status([ref])).get(ref.jobId)?.state;
      if (state && state !== 'pending' && state !== 'running') {
        off();
        resolve(state);
      }
    };
    const off = local.subscribe(() => void check());
    void check();
  });
}

describe('the local scheduler on its slot queue', () => {
  test('a job whose folder cannot be written fails to submit and leaves its CPU free', async () => {
    const local = new LocalScheduler({ slots: 1 });
    const notADir = join(root, 'plain-file');
    writeFileSync(notADir, 'x');
    const err = await local.submit(request('broken', '0', join(notADir, 'job'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubmitError);
    expect((err as Error).message).toMatch(/\[clustrix\] \[local\] cannot start job broken: could not start: .*plain-file/);
    expect(local.queued).toBe(0);
    const ok = await local.submit(request('next', '0'));
    expect(await ended(local, ok)).toBe('completed');
  });

  test('a queued job cancelled before it starts never runs; the running one is unaffected', async () => {
    const local = new LocalScheduler({ slots: 1 });
    const first = await local.submit(request('first', 'setTimeout(() => {}, 300)'));
    const queued = await local.submit(request('queued', `require('node:fs').writeFileSync('ran', '1')`));
    expect(local.queued).toBe(1);
    await local.cancel([queued]);
    expect(local.queued).toBe(0);
    expect((await local.status([queued])).get('queued')).toMatchObject({ state: 'cancelled', reason: 'cancelled before it started' });
    expect(await ended(local, first)).toBe('completed');
    // the first job's exit freed the CPU; a started task would have its folder created synchronously by now
    expect(existsSync(queued.jobDir)).toBe(false);
    expect((await local.status([queued])).get('queued')?.state).toBe('cancelled');
  });
});
