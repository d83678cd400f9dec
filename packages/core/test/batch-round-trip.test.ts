// The one-round-trip status command of batch schedulers, run for real with /bin/sh on this machine.
import { describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport, mergeBatchStatus, parseRoundTrip, roundTripScript } from '@clustrix/core/scheduler';
import { waitPhases } from '../src/batch/round-trip.js';

const t = new LocalTransport();
/** Runs the round trip with /bin/sh in `cwd` (where an injected `touch pwned` would land). */
const run = async (commands: string[][], dirs: string[], wait?: { ms: number; known: number }, cwd = tmpdir()) => {
  const out = await t.exec(['sh', '-c', 'cd "$1" && exec sh -s', 'round-trip', cwd], { stdin: roundTripScript(commands, dirs, wait) });
  return parseRoundTrip(out.stdout, commands.length, dirs);
};

function jobDirs(): { root: string; single: string; array: string; odd: string } {
  const root = mkdtempSync(join(tmpdir(), 'clustrix-rt-'));
  const single = join(root, 'single');
  const array = join(root, 'array');
  const odd = join(root, "it's $(touch pwned) `touch pwned2` ; touch pwned3");
  for (const d of [single, join(array, 'exit_codes'), odd]) mkdirSync(d, { recursive: true });
  return { root, single, array, odd };
}

describe('status round trip', () => {
  test('runs every command once, keeps each output and exit code apart, and reads every marker', async () => {
    const { single, array, odd } = jobDirs();
    writeFileSync(join(single, 'exit_code'), '3\n');
    writeFileSync(join(array, 'exit_codes', '0'), '0\n');
    writeFileSync(join(array, 'exit_codes', '7'), '137\n');
    const r = await run([['printf', 'a|b\nc|d\n'], ['sh', '-c', 'echo oops >&2; exit 4'], ['printf', '']], [single, array, odd]);
    expect(r.complete).toBe(true);
    expect(r.skipped).toBe(false);
    expect(r.outputs).toEqual([
      { stdout: 'a|b\nc|d\n', code: 0 },
      { stdout: 'oops\n', code: 4 },
      { stdout: '', code: 0 },
    ]);
    expect(r.markers.get(single)).toEqual({ exitCode: 3, tasks: new Map() });
    expect(r.markers.get(array)).toEqual({ tasks: new Map([[0, 0], [7, 137]]) });
    expect(r.markers.get(odd)).toEqual({ tasks: new Map() });
  });

  test('a hostile folder name is data, not code', async () => {
    const { root, odd } = jobDirs();
    writeFileSync(join(odd, 'exit_code'), '0\n');
    const r = await run([], [odd], undefined, root);
    expect(r.markers.get(odd)?.exitCode).toBe(0);
    for (const canary of ['pwned', 'pwned2', 'pwned3']) expect(existsSync(join(root, canary))).toBe(false);
  });

  test('long poll: returns as soon as a marker appears, skipping the scheduler commands', async () => {
    const { single, array } = jobDirs();
    setTimeout(() => writeFileSync(join(array, 'exit_codes', '2'), '0\n'), 300);
    const started = Date.now();
    const r = await run([['echo', 'squeue-ran']], [single, array], { ms: 20_000, known: 0 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.skipped).toBe(true);
    expect(r.outputs[0]!.code).toBe(-1);
    expect(r.markers.get(array)?.tasks.get(2)).toBe(0);
  });

  test('long poll without news: waits, then asks the scheduler', async () => {
    const { single } = jobDirs();
    const r = await run([['echo', 'squeue-ran']], [single], { ms: 200, known: 0 });
    expect(r.skipped).toBe(false);
    expect(r.outputs[0]).toEqual({ stdout: 'squeue-ran\n', code: 0 });
  });

  test('the wait checks every 50 ms for 2 s, then every 250 ms, then every second', () => {
    expect(waitPhases(250)).toEqual([[5, '0.05']]);
    expect(waitPhases(30_000)).toEqual([
      [40, '0.05'],
      [32, '0.25'],
      [20, '1'],
    ]);
  });

  test('thousands of folders fit (the script travels on stdin)', async () => {
    const { single } = jobDirs();
    writeFileSync(join(single, 'exit_code'), '0\n');
    const dirs = [single, ...Array.from({ length: 3000 }, (_, i) => `/nonexistent/clustrix/jobs/20261129-000000-${String(i).padStart(8, '0')}`)];
    const r = await run([['true']], dirs);
    expect(r.complete).toBe(true);
    expect(r.markers.get(single)?.exitCode).toBe(0);
    expect(r.markers.size).toBe(3001);
  });
});

describe('merging the scheduler report with the folder markers', () => {
  const ref = { jobId: 'j', schedulerJobId: '1', jobDir: '/d' };
  test('a marker ends the job even while the scheduler still says RUNNING', () => {
    expect(mergeBatchStatus(ref, { state: 'running', schedulerState: 'RUNNING' }, { exitCode: 0, tasks: new Map() })).toMatchObject({ state: 'completed', exitCode: 0 });
  });
  test('no marker: the scheduler explains (TIMEOUT)', () => {
    expect(mergeBatchStatus(ref, { state: 'timeout', schedulerState: 'TIMEOUT', reason: 'TimeLimit' }, { tasks: new Map() })).toMatchObject({ state: 'timeout', reason: 'TimeLimit' });
  });
  test('unknown to both: unknown', () => {
    expect(mergeBatchStatus(ref, undefined, { tasks: new Map() }).state).toBe('unknown');
  });
  test('an array: each task from its marker or the report, and the whole ends when every task has', () => {
    const aref = { ...ref, count: 3 };
    const partial = mergeBatchStatus(aref, { state: 'running', schedulerState: 'RUNNING', tasks: new Map([[2, { state: 'running', schedulerState: 'RUNNING' }]]) }, { tasks: new Map([[0, 0], [1, 1]]) });
    expect(partial.state).toBe('running');
    expect(partial.tasks?.get(1)).toMatchObject({ state: 'failed', exitCode: 1 });
    const done = mergeBatchStatus(aref, undefined, { tasks: new Map([[0, 0], [1, 0], [2, 0]]) });
    expect(done.state).toBe('completed');
  });
});
