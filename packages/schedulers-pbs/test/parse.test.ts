// Parsers on real captures: this machine's Torque wrappers (fixtures/*.txt) and a real OpenPBS server
// (fixtures/openpbs/*.txt, scripts/testbed/capture-openpbs.sh); real Torque's output is only known from its
// documentation (fixtures/documented/torque-*.txt, see its README).
import { describe, expect, test } from '@jest/globals';
import type { JobRef } from '@clustrix/core';
import { mergeBatchStatus } from '@clustrix/core/scheduler';
import { ENDED_WITHOUT_STATUS, parsePbsId, parseQstatFull, parseQsubId, pbsDialect, pbsReports } from '@clustrix/schedulers-pbs';
import { killLine } from '@clustrix/core/scheduler';
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
    ['openpbs/qsub-single.txt'],
    ['openpbs/qsub-array.txt'],
    ['openpbs/qsub-directives.txt'],
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

  test('PBS Pro layout (OpenPBS capture): long values continue after ONE tab and are joined back, mid-word or before a space', () => {
    const f = fixture('openpbs/qstat-fx-active.txt');
    const recs = parseQstatFull(f.stdout);
    expect(recs.map((r) => r.id)).toEqual(idsOf(f));
    const [running, queued] = recs;
    const scratch = /cd (\S+)|submitted from (\S+)|(\/tmp\/clustrix-capture\.\w+)/.exec(f.stdout)![3]!;
    // Variable_List breaks after commas and mid-path ("/usr" + "/local/games")
    expect(running!.attrs.get('variable_list')).toBe(
      `PBS_O_HOME=/home/pbstest,PBS_O_LOGNAME=pbstest,PBS_O_PATH=/opt/pbs/bin:/opt/pbs/bin:/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games:/opt/pbs/bin,` +
        `PBS_O_SHELL=/bin/bash,PBS_O_WORKDIR=${scratch},PBS_O_SYSTEM=Linux,PBS_O_QUEUE=workq,PBS_O_HOST=localhost`,
    );
    // Submit_arguments breaks mid-word ("runnin" + "g.out")
    expect(running!.attrs.get('submit_arguments')).toBe(`-N running -k oed -o ${scratch}/running.out -e ${scratch}/running.err sleep.sh`);
    expect(running!.attrs.get('resource_list.select')).toBe('1:ncpus=1');
    // comment breaks before a space: "... A: 8" + "\t T: 8)"
    expect(queued!.attrs.get('comment')).toBe('Can Never Run: Insufficient amount of resource: ncpus (R: 64 A: 8 T: 8)');
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
    const timeLimitLine = (text: string) => killLine(pbsDialect('torque').killPatterns!.time, text);
    const f = fixture('stderr-walltime-kill.txt');
    expect(timeLimitLine(f.stdout)).toMatch(/^\*\*\* JOB \d+ ON \S+ CANCELLED AT \S+ DUE TO TIME LIMIT \*\*\*$/);
    expect(timeLimitLine('slurmstepd-vm: error: *** JOB 1 ON vm CANCELLED AT 2026-11-29T03:29:10 ***')).toBeUndefined();
    expect(timeLimitLine('=>> PBS: job killed: walltime 152 exceeded limit 120')).toBe('PBS: job killed: walltime 152 exceeded limit 120');
  });
});

describe('pbspro flavour on OpenPBS 23.06 (real captures, fixtures/openpbs/)', () => {
  const ids = (name: string) => idsOf(fixture(`openpbs/${name}`));

  test('running, queued with the scheduler\'s comment (continued after a tab: its space kept), held', () => {
    const { ids: [r, q, h], map } = reports('pbspro', 'openpbs/qstat-fx-active.txt');
    expect(map.get(r!)).toEqual({ state: 'running', schedulerState: 'R' });
    expect(map.get(q!)).toEqual({ state: 'pending', schedulerState: 'Q', reason: 'Can Never Run: Insufficient amount of resource: ncpus (R: 64 A: 8 T: 8)' });
    expect(map.get(h!)).toEqual({ state: 'pending', schedulerState: 'H', reason: 'held (u)' });
  });

  test('finished jobs (-x): every way a job ends, named from Exit_status, substate and comment; the unknown id (rc 153) skipped', () => {
    const { ids: [ok, e3, wall, mem, delRunning, delQueued, delHeld, unknown], map } = reports('pbspro', 'openpbs/qstat-fx-finished.txt');
    expect(fixture('openpbs/qstat-fx-finished.txt').code).toBe(153);
    expect(map.get(ok!)).toEqual({ state: 'completed', schedulerState: 'F', exitCode: 0 });
    expect(map.get(e3!)).toEqual({ state: 'failed', schedulerState: 'F', exitCode: 3 });
    expect(map.get(wall!)).toEqual({
      state: 'timeout',
      schedulerState: 'F',
      reason: 'killed for exceeding its walltime (Exit_status -29, JOB_EXEC_KILL_WALLTIME); PBS: exceeded resource walltime',
    });
    expect(map.get(mem!)).toEqual({
      state: 'out_of_memory',
      schedulerState: 'F',
      reason: 'killed for exceeding its mem limit (Exit_status -27, JOB_EXEC_KILL_MEM); PBS: exceeded resource mem',
    });
    expect(map.get(delRunning!)).toEqual({ state: 'cancelled', schedulerState: 'F', reason: 'deleted (qdel), Exit_status 271; PBS: terminated by pbstest@localhost' });
    expect(map.get(delQueued!)).toEqual({ state: 'cancelled', schedulerState: 'F', reason: 'deleted (qdel); PBS: Can Never Run: Insufficient amount of resource: ncpus (R: 64 A: 8 T: 8) and terminated' });
    expect(map.get(delHeld!)).toEqual({ state: 'cancelled', schedulerState: 'F', reason: 'deleted (qdel)' });
    expect(map.has(unknown!)).toBe(false);
  });

  test('a -J array while it runs (-t): parent B is running, subjobs are tasks by index', () => {
    const { ids: [id], map } = reports('pbspro', 'openpbs/qstat-fxt-array-running.txt');
    const r = map.get(id!)!;
    expect(r).toMatchObject({ state: 'running', schedulerState: 'B' });
    expect([...r.tasks!.entries()]).toEqual([
      [0, { state: 'running', schedulerState: 'R' }],
      [1, { state: 'running', schedulerState: 'R' }],
      [2, { state: 'pending', schedulerState: 'Q', reason: expect.stringMatching(/^Job Array Began at \w{3} \w{3} \d\d at \d\d:\d\d$/) }],
      [3, { state: 'pending', schedulerState: 'Q', reason: expect.stringMatching(/^Job Array Began at /) }],
    ]);
  });

  test('a finished array: every subjob completed; with one subjob exiting 3 the parent still says Exit_status 0, the task says 3', () => {
    const done = reports('pbspro', 'openpbs/qstat-fxt-array-finished.txt');
    const all = done.map.get(done.ids[0]!)!;
    expect([...all.tasks!.values()].map((t) => [t.state, t.exitCode])).toEqual(Array.from({ length: 4 }, () => ['completed', 0]));
    const failed = reports('pbspro', 'openpbs/qstat-fxt-array-failed.txt');
    const id = failed.ids[0]!;
    const r = failed.map.get(id)!;
    expect(r).toMatchObject({ state: 'completed', exitCode: 0 }); // the parent record, as PBS writes it
    expect(r.tasks!.get(1)).toEqual({ state: 'failed', schedulerState: 'F', exitCode: 3 });
    const merged = mergeBatchStatus({ jobId: 'j', schedulerJobId: id, jobDir: '/j', count: 3 }, r, undefined);
    expect(merged.state).toBe('failed');
    expect(merged.tasks?.get(1)).toMatchObject({ state: 'failed', exitCode: 3 });
  });

  test('ids match whatever server suffix qstat prints', () => {
    const f = fixture('openpbs/qstat-fx-finished.txt');
    const [ok, e3] = idsOf(f);
    const seq = (id: string) => id.split('.')[0]!;
    const map = pbsReports('pbspro', [{ stdout: f.merged, code: f.code }], [seq(ok!), `${seq(e3!)}.vm.example.org`]);
    expect(map.get(seq(ok!))?.state).toBe('completed');
    expect(map.get(`${seq(e3!)}.vm.example.org`)?.exitCode).toBe(3);
  });

  test('an unknown id alone: rc 153, only stderr: no report and no error; a finished job without -x: rc 35 is an error', () => {
    expect(reports('pbspro', 'openpbs/qstat-fx-unknown-id.txt').map.size).toBe(0);
    expect(() => reports('pbspro', 'openpbs/qstat-f-finished-without-x.txt')).toThrow(/qstat failed \(exit code 35\): qstat: \S+ Job has finished, use -x/);
  });

  test('the #PBS lines Clustrix renders reach the server: select, walltime, account, queue, name, direct-write -k oed', () => {
    const [rec] = parseQstatFull(fixture('openpbs/qstat-fx-directives.txt').stdout);
    expect(rec!.id).toBe(ids('qstat-fx-directives.txt')[0]);
    expect(Object.fromEntries(['job_name', 'account_name', 'queue', 'resource_list.select', 'resource_list.ncpus', 'resource_list.mem', 'resource_list.walltime', 'keep_files', 'exit_status'].map((k) => [k, rec!.attrs.get(k)]))).toEqual({
      job_name: 'from-directives',
      account_name: 'clx-acct',
      queue: 'workq',
      'resource_list.select': '1:ncpus=2:mem=600mb',
      'resource_list.ncpus': '2',
      'resource_list.mem': '600mb',
      'resource_list.walltime': '00:05:00',
      keep_files: 'oed',
      exit_status: '0',
    });
  });

  test('what a job sees: PBS_JOBID; a subjob also PBS_ARRAY_INDEX (the flavour\'s own index variable) and PBS_ARRAY_ID', () => {
    const env = (name: string) => new Map(fixture(`openpbs/${name}`).stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const single = env('env-single-job.txt');
    expect(single.get('PBS_JOBID')).toMatch(/^\d+\.\S+$/);
    expect(single.has('PBS_ARRAY_INDEX')).toBe(false);
    const sub = env('env-array-subjob.txt');
    expect(sub.get('PBS_ARRAY_INDEX')).toBe('1');
    expect(sub.get('PBS_JOBID')).toMatch(/^\d+\[1\]\.\S+$/);
    expect(parseQsubId(sub.get('PBS_ARRAY_ID')!)).toBe(sub.get('PBS_ARRAY_ID'));
  });

  test('its node went down (MoM killed): a rerunnable job is requeued and says why; with -r n it ends as node_fail (Exit_status -20)', () => {
    const { ids: [rerun, norerun], map } = reports('pbspro', 'openpbs/qstat-fx-node-down.txt');
    expect(map.get(rerun!)).toEqual({
      state: 'pending',
      schedulerState: 'Q',
      reason: 'Not Running: Not enough free nodes available; requeued after run 1: the connection to its mother superior failed (Exit_status -20, JOB_EXEC_RERUN_MS_FAIL)',
    });
    expect(map.get(norerun!)).toEqual({ state: 'node_fail', schedulerState: 'F', reason: 'the connection to its mother superior failed (Exit_status -20, JOB_EXEC_RERUN_MS_FAIL)' });
  });

  test('MoM\'s kill lines in the job\'s stderr are recognised', () => {
    const { memory, time } = pbsDialect('pbspro').killPatterns!;
    const timeLimitLine = (t: string) => killLine(time, t);
    const memoryKillLine = (t: string) => killLine(memory, t);
    const text = fixture('openpbs/stderr-limit-kills.txt').stdout;
    // slurmstepd's words belong to SLURM's Torque wrappers (the torque flavour), not to a PBS Pro MoM
    expect(timeLimitLine(fixture('stderr-walltime-kill.txt').stdout)).toBeUndefined();
    expect(timeLimitLine(text)).toMatch(/^PBS: job killed: walltime \d+ exceeded limit 3$/);
    expect(memoryKillLine(text)).toMatch(/^PBS: job killed: mem \d+kb exceeded limit 51200kb$/);
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
