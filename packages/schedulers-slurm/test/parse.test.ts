// SLURM parsers on real output captured from the testbed (test/fixtures, see its README).
import { describe, expect, test } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { parseJobIdField, parseSacct, parseSbatchId, parseSqueue, slurmDialect, slurmReports, mapSlurmState } from '@clustrix/schedulers-slurm';
import { SACCT_FORMAT, SQUEUE_FORMAT } from '../src/parse.js';
import { capture } from './fixture.js';

const out = (name: string) => {
  const c = capture(name);
  return { stdout: c.stdout, code: c.code };
};
/** The ids a capture's command asked for (its --jobs=... list). */
const idsOf = (name: string) => /--jobs=(\S+)/.exec(capture(name).command)![1]!.split(',');

describe('the captures use the exact commands the dialect runs', () => {
  test('squeue and sacct formats match, but for the job name and comment the dialect no longer asks for', () => {
    // Captured before issue 11 dropped the user-controlled fields (JobName, %k: a `|` in them shifted
    // the fields after them); the parser reads both layouts (hostile-name captures below use the new one).
    const [sq, sa] = slurmDialect.statusArgv(['1']);
    const withOldFields = (argv: string[]) => argv.slice(0, -1).join(' ').replace('%i|%T|%r', '%i|%T|%r|%k').replace('JobID,State', 'JobID,JobName,State');
    expect(capture('squeue-mixed.txt').command).toBe(`${withOldFields(sq!).replace(/--format=(\S+)/, "--format='$1'")} --jobs=869,868,865,866,850,851,849`);
    expect(capture('sacct-mixed.txt').command.replace(',NodeList', '')).toBe(`${withOldFields(sa!).replace(',NodeList', '')} --jobs=869,868,865,866,850,851,849`);
  });
});

describe('sbatch --parsable', () => {
  test('a single job and an array print the bare id', () => {
    expect(parseSbatchId(capture('sbatch-parsable-single.txt').stdout)).toMatch(/^\d+$/);
    expect(parseSbatchId(capture('sbatch-parsable-array.txt').stdout)).toMatch(/^\d+$/);
    expect(parseSbatchId('1234;cluster2\n')).toBe('1234');
  });
  test('errors have no id', () => {
    for (const f of ['sbatch-error-partition.txt', 'sbatch-error-time.txt', 'sbatch-error-unknown-option.txt', 'sbatch-error-mem.txt']) {
      const c = capture(f);
      expect(c.code).not.toBe(0);
      expect(() => parseSbatchId(c.stdout)).toThrow(/expected a job id/);
    }
  });
});

describe('job id fields', () => {
  test.each([
    ['690', { jobId: '690' }],
    ['690_3', { jobId: '690', tasks: [3] }],
    ['861_[2-11]', { jobId: '861', tasks: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }],
    ['690_[0-3%2]', { jobId: '690', tasks: [0, 1, 2, 3] }],
    ['7_[1,4-5]', { jobId: '7', tasks: [1, 4, 5] }],
  ])('%s', (field, expected) => {
    expect(parseJobIdField(field)).toEqual(expected);
  });
  test('steps are not jobs', () => {
    expect(parseSacct(capture('sacct-completed-steps-extern.txt').stdout).every((l) => !l.jobId.includes('.'))).toBe(true);
    expect(parseSacct(capture('sacct-completed-steps-extern.txt').stdout)).toHaveLength(1);
  });
});

describe('every state word seen in the captures maps to a known state', () => {
  const words = new Set<string>();
  for (const f of readdirSync(new URL('./fixtures/', import.meta.url)).filter((n) => /^(squeue|sacct)-/.test(n))) {
    const c = capture(f);
    for (const l of f.startsWith('squeue') ? parseSqueue(c.stdout) : parseSacct(c.stdout)) words.add(l.word);
  }
  test.each([...words])('%s', (w) => {
    expect(mapSlurmState(w)).not.toBe('unknown');
  });
  test('the captures cover the common states', () => {
    expect([...words].sort()).toEqual(expect.arrayContaining(['CANCELLED', 'COMPLETED', 'COMPLETING', 'FAILED', 'PENDING', 'RUNNING', 'TIMEOUT']));
  });
});

describe('one batched query, both commands', () => {
  const ids = idsOf('squeue-mixed.txt');
  const reports = slurmReports([out('squeue-mixed.txt'), out('sacct-mixed.txt')], ids);

  test('active jobs: squeue wins over a lagging sacct', () => {
    expect(reports.get('869')).toMatchObject({ state: 'running', schedulerState: 'RUNNING' }); // sacct still says PENDING
    expect(reports.get('868')).toMatchObject({ state: 'pending', reason: 'JobHeldUser' });
    expect(reports.get('849')).toMatchObject({ state: 'running' });
  });

  test('ended jobs: state and exit code from sacct', () => {
    expect(reports.get('865')).toMatchObject({ state: 'completed', exitCode: 0 });
    expect(reports.get('866')).toMatchObject({ state: 'failed', exitCode: 3 });
    expect(reports.get('850')).toMatchObject({ state: 'cancelled', schedulerState: 'CANCELLED' });
    expect(reports.get('850')!.reason).toContain('CANCELLED by 1001');
    // sacct's "0:0" for a cancelled allocation is no exit code: a CancelledError must not say exitCode 0
    expect(reports.get('850')!.exitCode).toBeUndefined();
  });

  test('an array: one report with every task', () => {
    const arr = reports.get('851')!;
    expect([...arr.tasks!.keys()].sort()).toEqual([0, 1, 2, 3]);
    expect(arr.tasks!.get(0)).toMatchObject({ state: 'completed', exitCode: 0 });
    expect(arr.tasks!.get(1)).toMatchObject({ state: 'failed', exitCode: 3 });
    expect(arr.tasks!.get(2)).toMatchObject({ state: 'cancelled' });
    expect(arr.tasks!.get(3)).toMatchObject({ state: 'failed' });
    expect(arr.tasks!.get(3)!.reason).toContain('killed by signal 9');
  });
});

describe('situations', () => {
  test('just submitted: sacct is empty, squeue has it pending', () => {
    const id = idsOf('squeue-just-submitted.txt')[0]!;
    const r = slurmReports([out('squeue-just-submitted.txt'), out('sacct-just-submitted.txt')], [id]);
    expect(r.get(id)?.state).toBe('pending');
  });

  test('aged out of squeue (rc 1): sacct still knows it', () => {
    const id = idsOf('sacct-aged-out.txt')[0]!;
    const r = slurmReports([out('squeue-aged-out.txt'), out('sacct-aged-out.txt')], [id]);
    expect(r.get(id)?.state).toMatch(/completed|failed/);
  });

  test('accounting disabled (sacct fails): squeue --states=all alone', () => {
    const id = idsOf('squeue-timeout.txt')[0]!;
    const r = slurmReports([out('squeue-timeout.txt'), { stdout: 'sacct: error: Slurm accounting storage is disabled\n', code: 1 }], [id]);
    expect(r.get(id)).toMatchObject({ state: 'timeout', schedulerState: 'TIMEOUT', reason: 'TimeLimit' });
  });

  test('TIMEOUT from sacct says how long it ran', () => {
    const id = idsOf('sacct-timeout.txt')[0]!;
    const r = slurmReports([{ stdout: '', code: 1 }, out('sacct-timeout.txt')], [id]);
    expect(r.get(id)).toMatchObject({ state: 'timeout' });
    expect(r.get(id)!.reason).toMatch(/ran 00:01:\d\d of 00:01:00/);
  });

  test('a memory kill without cgroups: FAILED, killed by signal 9 (collect reads the reason from stderr)', () => {
    const id = idsOf('sacct-mem-exceeded.txt')[0]!;
    const r = slurmReports([out('squeue-mem-exceeded.txt'), out('sacct-mem-exceeded.txt')], [id]);
    expect(r.get(id)).toMatchObject({ state: 'failed', schedulerState: 'FAILED' });
    expect(r.get(id)!.reason).toContain('killed by signal 9');
    expect(r.get(id)!.exitCode).toBeUndefined(); // 0:9 is not a clean exit 0
  });

  test('an incomplete sacct record right after the end still parses', () => {
    const r = slurmReports([{ stdout: '', code: 1 }, out('sacct-mem-exceeded-incomplete-record.txt')], ['443']);
    expect(r.get('443')).toMatchObject({ state: 'failed' });
  });

  test('an array before its tasks start: sacct may print nothing yet, squeue --array lists every task', () => {
    const id = idsOf('sacct-array-pending.txt')[0]!;
    expect(capture('sacct-array-pending.txt').stdout.trim()).toBe('');
    const held = parseSqueue(capture('squeue-pending-reasons.txt').stdout).filter((l) => l.tasks);
    expect(held.length).toBeGreaterThan(1);
    expect(held.every((l) => l.tasks!.length === 1 && l.word === 'PENDING')).toBe(true);
    // sacct's folded form for tasks that have not started (seen on this testbed: 690_[0-3]|arr|PENDING|...)
    const r = slurmReports([{ stdout: '', code: 1 }, { stdout: `${id}_[0-3]|arr|PENDING|0:0|None|00:00:00|UNLIMITED\n`, code: 0 }], [id]);
    expect(r.get(id)!.tasks!.size).toBe(4);
    expect([...r.get(id)!.tasks!.values()].every((t) => t.state === 'pending')).toBe(true);
  });

  test('a partly running array: running tasks from squeue, the folded pending rest from sacct', () => {
    const id = idsOf('sacct-array-partial.txt')[0]!;
    const r = slurmReports([out('squeue-array-partial.txt'), out('sacct-array-partial.txt')], [id]);
    const tasks = r.get(id)!.tasks!;
    expect(tasks.size).toBe(12);
    expect(tasks.get(0)!.state).toBe('running');
    expect(tasks.get(11)).toMatchObject({ state: 'pending', reason: 'Resources' });
  });

  test('an array cancelled before it started', () => {
    const id = idsOf('sacct-cancelled-array-pending.txt')[0]!;
    const r = slurmReports([{ stdout: '', code: 1 }, out('sacct-cancelled-array-pending.txt')], [id]);
    expect([...r.get(id)!.tasks!.values()].every((t) => t.state === 'cancelled')).toBe(true);
  });

  test('unknown ids: nothing reported (the watcher counts the misses)', () => {
    const r = slurmReports([out('squeue-unknown-id.txt'), out('sacct-unknown-id.txt')], ['999999']);
    expect(r.size).toBe(0);
  });

  test('a known and an unknown id in one squeue: only the known one', () => {
    const c = capture('squeue-known-and-unknown-ids.txt');
    const ids = idsOf('squeue-known-and-unknown-ids.txt');
    const r = slurmReports([{ stdout: c.stdout, code: c.code }, { stdout: '', code: 0 }], ids);
    expect(r.size).toBe(1);
  });

  test('COMPLETING is still running', () => {
    const id = idsOf('squeue-completing.txt')[0]!;
    expect(slurmReports([out('squeue-completing.txt'), { stdout: '', code: 0 }], [id]).get(id)?.state).toBe('running');
  });

  test('pending forever for PartitionConfig: the reason is surfaced', () => {
    const id = idsOf('squeue-pending-partitionconfig.txt')[0]!;
    expect(slurmReports([out('squeue-pending-partitionconfig.txt'), { stdout: '', code: 0 }], [id]).get(id)).toMatchObject({
      state: 'pending',
      reason: 'PartitionConfig',
    });
  });
});

describe('a job name cannot shift the status fields (issue 11)', () => {
  test("a TIMEOUT job named 'x|COMPLETED|0:0|...' reads as timeout: the formats hold no user-controlled field", () => {
    expect(SACCT_FORMAT).not.toMatch(/JobName|Comment|WCKey|Account/i);
    expect(SQUEUE_FORMAT).not.toMatch(/%[jkox]/);
    const id = idsOf('sacct-hostile-name.txt')[0]!;
    const r = slurmReports([{ stdout: capture('squeue-hostile-name.txt').stdout, code: 0 }, { stdout: capture('sacct-hostile-name.txt').stdout, code: 0 }], [id]);
    expect(r.get(id)).toMatchObject({ state: 'timeout', schedulerState: 'TIMEOUT' });
    expect(parseSacct(capture('sacct-hostile-name.txt').stdout)).toMatchObject([{ jobId: id, raw: 'TIMEOUT', exitCode: 0, elapsed: '00:01:19', timelimit: '00:01:00' }]);
  });

  test('with the job name in the format (as before) the same job read as COMPLETED: why it is gone', () => {
    const old = capture('sacct-hostile-name-with-jobname.txt').stdout;
    expect(old.split('|')[2]).toBe('COMPLETED'); // what a split on '|' took for the state
    expect(old).toContain('TIMEOUT');
  });
});
