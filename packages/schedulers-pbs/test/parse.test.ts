// Parsers on real captures of this machine's Torque wrappers (fixtures/*.txt) and on PBS Pro /
// Torque output written in their documented format (fixtures/documented/*.txt, see its README).
import { describe, expect, test } from '@jest/globals';
import { mergeBatchStatus, type JobRef } from '@clustrix/core';
import { ENDED_WITHOUT_STATUS, parsePbsId, parseQstatFull, parseQsubId, pbsReports } from '@clustrix/schedulers-pbs';
import { timeLimitLine } from '../../core/src/exec/collect.js';
import { fixture, type Fixture } from './fixture.js';

/** The job ids a fixture's command names (its operands that look like PBS ids). */
const idsOf = (f: Fixture) => f.command.split(/\s+/).filter((w) => parsePbsId(w) !== undefined);
const reports = (flavour: 'pbspro' | 'torque', name: string) => {
  const f = fixture(name);
  const ids = idsOf(f);
  return { ids, map: pbsReports(flavour, [{ stdout: f.merged, code: f.code }], ids) };
};

describe('job ids', () => {
  test.each([
    ['qsub-single.txt'],
    ['qsub-array-t.txt'],
    ['qsub-array-J.txt'],
    ['documented/pbspro-qsub-single.txt'],
    ['documented/pbspro-qsub-array.txt'],
  ])('qsub output %s: the id as printed', (name) => {
    const f = fixture(name);
    expect(parseQsubId(f.stdout)).toBe(f.stdout.trim());
  });

  test('bare wrapper ids, PBS Pro ids with a server, arrays and subjobs', () => {
    expect(parsePbsId('9766')).toEqual({ seq: '9766', array: false });
    expect(parsePbsId('4711.pbs-server')).toEqual({ seq: '4711', array: false, server: 'pbs-server' });
    expect(parsePbsId('4712[].pbs-server.example.org')).toEqual({ seq: '4712', array: true, server: 'pbs-server.example.org' });
    expect(parsePbsId('4712[3].s')).toEqual({ seq: '4712', array: false, index: 3, server: 's' });
    expect(parsePbsId('123@srv')).toEqual({ seq: '123', array: false });
    expect(parsePbsId('qstat: Unknown Job Id 4799.pbs-server')).toBeUndefined();
  });

  test('a warning line before the id is skipped; an error or a subjob id is not an id', () => {
    expect(parseQsubId('qsub: warning: job name truncated\n4711.pbs-server\n')).toBe('4711.pbs-server');
    expect(() => parseQsubId(fixture('qsub-error-queue.txt').stdout)).toThrow(/expected a PBS job id/);
    expect(() => parseQsubId('')).toThrow(/got ""/);
    expect(() => parseQsubId('12[3].s')).toThrow(/expected a PBS job id/);
  });
});

describe('qstat -f records', () => {
  test('the wrappers\' tab layout', () => {
    const f = fixture('qstat-f-running.txt');
    const [rec] = parseQstatFull(f.stdout);
    expect(rec!.id).toBe(idsOf(f)[0]);
    expect(rec!.attrs.get('job_state')).toBe('R');
    expect(rec!.attrs.get('resource_list.ncpus')).toBe('1');
    expect(rec!.attrs.get('job_owner')).toBe('pbsuser@localhost');
  });

  test('several jobs in one output, in the order qstat chose, an unknown id simply absent', () => {
    const f = fixture('qstat-f-several.txt');
    const recs = parseQstatFull(f.stdout);
    expect(recs.map((r) => r.id).sort()).toEqual(idsOf(f).filter((id) => id !== '999999').sort());
  });

  test('PBS Pro layout: long values continue on tab-indented lines and are joined back', () => {
    const recs = parseQstatFull(fixture('documented/pbspro-qstat-fx-active.txt').stdout);
    expect(recs.map((r) => r.id)).toEqual(['4711.pbs-server', '4720.pbs-server', '4721.pbs-server']);
    const [running, queued] = recs;
    expect(running!.attrs.get('error_path')).toBe('login1:/home/alice/.clustrix/jobs/20261128-100000-aaaaaaaa/stderr');
    expect(running!.attrs.get('variable_list')).toContain('PBS_O_LOGNAME=alice,PBS_O_PATH=/usr/local/bin:/usr/bin:/bin:/opt/pbs/bin,PBS_O_MAIL=');
    expect(running!.attrs.get('variable_list')!.endsWith('PBS_O_HOST=login1')).toBe(true);
    expect(running!.attrs.get('resource_list.select')).toBe('1:ncpus=2:mem=1024mb');
    expect(queued!.attrs.get('comment')).toBe('Not Running: Insufficient amount of resource: ncpus (R: 64 A: 8 T: 8)');
  });

  test('an error line between records ends the record before it', () => {
    const text = `Job Id: 1.s\n    job_state = R\nqstat: Unknown Job Id 2.s\n    job_state = F\nJob Id: 3.s\n    job_state = Q\n`;
    expect(parseQstatFull(text).map((r) => [r.id, r.attrs.get('job_state')])).toEqual([
      ['1.s', 'R'],
      ['3.s', 'Q'],
    ]);
  });
});

describe('torque flavour on the wrappers (real captures)', () => {
  test('running, queued and held (the wrappers show held as Q)', () => {
    for (const [name, state] of [
      ['qstat-f-running.txt', 'running'],
      ['qstat-f-queued.txt', 'pending'],
      ['qstat-f-held.txt', 'pending'],
    ] as const) {
      const { ids, map } = reports('torque', name);
      expect(map.get(ids[0]!)).toMatchObject({ state });
    }
  });

  test.each(['qstat-f-finished-ok.txt', 'qstat-f-finished-failed.txt', 'qstat-f-deleted.txt', 'qstat-f-walltime.txt'])(
    '%s: C with no exit status counts as killed, with an empty task map (the folder decides how it ended)',
    (name) => {
      const { ids, map } = reports('torque', name);
      const r = map.get(ids[0]!)!;
      expect(r).toMatchObject({ state: 'cancelled', schedulerState: 'C', reason: ENDED_WITHOUT_STATUS, guessed: true });
      expect(r.exitCode).toBeUndefined();
      expect(r.tasks?.size).toBe(0);
    },
  );

  test('qstat failing for another reason is an error (the watcher asks again), not "every job is gone"', () => {
    const down = { stdout: 'Connection refused\nqstat: cannot connect to server pbs-server (errno=111)\n', code: 1 };
    expect(() => pbsReports('pbspro', [down], ['1.pbs-server'])).toThrow(/qstat failed \(exit code 1\): Connection refused \| qstat: cannot connect/);
  });

  test('unknown ids (rc 153, no output) and the ids of one qstat -f over several jobs', () => {
    expect(reports('torque', 'qstat-f-unknown-id.txt').map.size).toBe(0);
    const { ids, map } = reports('torque', 'qstat-f-several.txt');
    expect([...map.keys()].sort()).toEqual(ids.filter((id) => id !== '999999').sort());
  });

  test('qstat refusing -x (the pbspro flavour on Torque or the wrappers) names the flavour to set', () => {
    expect(() => reports('pbspro', 'qstat-f-x-unsupported.txt')).toThrow(/Unknown option: x\); this qstat is not PBS Pro's.*set `flavour: 'torque'`/);
    expect(() => pbsReports('pbspro', [{ stdout: '<Data><Job><Job_Id>1.s</Job_Id></Job></Data>', code: 0 }], ['1.s'])).toThrow(/printed XML for -x/);
  });

  test('the array head record: active while running; once it ends, tasks without an exit-code file keep waiting', () => {
    const { ids, map } = reports('torque', 'qstat-f-array.txt');
    const ref: JobRef = { jobId: 'j', schedulerJobId: ids[0]!, jobDir: '/j', count: 4 };
    const running = mergeBatchStatus(ref, map.get(ids[0]!), { tasks: new Map([[0, 0]]) });
    expect(running.state).toBe('running');
    expect(running.tasks?.get(0)?.state).toBe('completed');
    expect(running.tasks?.get(3)?.state).toBe('running');
    // the head is one of the tasks (SLURM's last-started one); C says nothing about the others
    const ended = reports('torque', 'qstat-f-finished-ok.txt').map.values().next().value!;
    const later = mergeBatchStatus(ref, ended, { tasks: new Map([[0, 0], [1, 1]]) });
    expect(later.state).toBe('pending');
    expect(later.tasks?.get(1)).toMatchObject({ state: 'failed', exitCode: 1 });
    expect(later.tasks?.get(2)?.state).toBe('unknown');
    // a single job that ended without its marker is over
    expect(mergeBatchStatus({ ...ref, count: undefined } as JobRef, ended, undefined).state).toBe('cancelled');
    // ... unless it did write its exit code: the folder wins
    expect(mergeBatchStatus({ ...ref, count: undefined } as JobRef, ended, { exitCode: 0, tasks: new Map() }).state).toBe('completed');
  });

  test('SLURM\'s time-limit kill in the job\'s stderr is what tells a time limit apart (captured stderr)', () => {
    const f = fixture('stderr-walltime-kill.txt');
    expect(timeLimitLine(f.stdout)).toMatch(/^\*\*\* JOB \d+ ON \S+ CANCELLED AT \S+ DUE TO TIME LIMIT \*\*\*$/);
    expect(timeLimitLine('slurmstepd-vm: error: *** JOB 1 ON vm CANCELLED AT 2026-11-29T03:29:10 ***')).toBeUndefined();
    expect(timeLimitLine('=>> PBS: job killed: walltime 152 exceeded limit 120')).toBe('PBS: job killed: walltime 152 exceeded limit 120');
  });
});

describe('pbspro flavour (documented format)', () => {
  test('running, queued with the scheduler\'s comment, held', () => {
    const { map } = reports('pbspro', 'documented/pbspro-qstat-fx-active.txt');
    expect(map.get('4711.pbs-server')).toEqual({ state: 'running', schedulerState: 'R' });
    expect(map.get('4720.pbs-server')).toEqual({ state: 'pending', schedulerState: 'Q', reason: 'Not Running: Insufficient amount of resource: ncpus (R: 64 A: 8 T: 8)' });
    expect(map.get('4721.pbs-server')).toEqual({ state: 'pending', schedulerState: 'H', reason: 'held (u)' });
  });

  test('finished jobs (-x): exit 0, exit 3, walltime, qdel, memory; the unknown id on stderr is skipped', () => {
    const { map } = reports('pbspro', 'documented/pbspro-qstat-fx-finished.txt');
    expect(map.get('4730.pbs-server')).toEqual({ state: 'completed', schedulerState: 'F', exitCode: 0 });
    expect(map.get('4731.pbs-server')).toEqual({ state: 'failed', schedulerState: 'F', exitCode: 3 });
    expect(map.get('4732.pbs-server')).toMatchObject({ state: 'timeout', reason: expect.stringContaining('Exit_status -29, JOB_EXEC_KILL_WALLTIME') });
    expect(map.get('4733.pbs-server')).toMatchObject({ state: 'cancelled', reason: 'deleted (qdel), Exit_status 271' });
    expect(map.get('4734.pbs-server')).toMatchObject({ state: 'out_of_memory', reason: expect.stringContaining('JOB_EXEC_KILL_MEM') });
    expect(map.has('4799.pbs-server')).toBe(false);
  });

  test('an array with -t: subjobs become tasks by index; the parent\'s B is running', () => {
    const { map } = reports('pbspro', 'documented/pbspro-qstat-fxt-array.txt');
    const r = map.get('4712[].pbs-server')!;
    expect(r).toMatchObject({ state: 'running', schedulerState: 'B' });
    expect([...r.tasks!.entries()]).toEqual([
      [0, { state: 'completed', schedulerState: 'X', exitCode: 0 }],
      [1, { state: 'failed', schedulerState: 'F', exitCode: 2 }],
      [2, { state: 'running', schedulerState: 'R' }],
      [3, { state: 'pending', schedulerState: 'Q' }],
    ]);
  });

  test('ids match whatever server suffix qstat prints', () => {
    const f = fixture('documented/pbspro-qstat-fx-finished.txt');
    const map = pbsReports('pbspro', [{ stdout: f.merged, code: f.code }], ['4730', '4731.pbs-server.example.org']);
    expect(map.get('4730')?.state).toBe('completed');
    expect(map.get('4731.pbs-server.example.org')?.exitCode).toBe(3);
  });
});

describe('torque flavour (documented format)', () => {
  test('exit_status (lower case) of a completed job: -1 is JOB_EXEC_FAIL1', () => {
    const { map } = reports('torque', 'documented/torque-qstat-f-completed.txt');
    expect(map.get('179.host')).toMatchObject({ state: 'failed', schedulerState: 'C', reason: expect.stringContaining('JOB_EXEC_FAIL1') });
  });

  test('array subjobs from -t without their parent; 271 is the shell killed by SIGTERM from outside; -10 is over memory', () => {
    const { map } = reports('torque', 'documented/torque-qstat-ft-array.txt');
    const arr = map.get('180[].host')!;
    expect(arr.tasks?.get(0)).toEqual({ state: 'completed', schedulerState: 'C', exitCode: 0 });
    expect(arr.tasks?.get(1)).toMatchObject({ state: 'cancelled', exitCode: 143, reason: expect.stringContaining('signal 15 (SIGTERM)') });
    expect(arr.state).toBe('cancelled');
    expect(map.get('181.host')).toMatchObject({ state: 'out_of_memory', reason: expect.stringContaining('JOB_EXEC_OVERLIMIT_MEM') });
  });
});
