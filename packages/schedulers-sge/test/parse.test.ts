// The SGE parsers on captured real output (test/fixtures, made by scripts/testbed/capture-sge.sh).
import { describe, expect, test } from '@jest/globals';
import { ClustrixError } from '@clustrix/core';
import {
  categoryRequests,
  mapSgeState,
  parseQacct,
  parseQstatXml,
  parseQsubId,
  parseSgeMemory,
  parseSgeTime,
  parseTaskRange,
  qacctReports,
  qstatReports,
  sgeDialect,
} from '@clustrix/schedulers-sge';
import { capture, output } from './fixtures.js';

describe('qsub -terse', () => {
  test('a single job prints its id, an array ID.1-N:1', () => {
    expect(parseQsubId(capture('qsub-terse-single.txt').stdout)).toBe('43');
    expect(parseQsubId(capture('qsub-terse-array.txt').stdout)).toBe('44');
  });

  test('the #$ block Clustrix renders is accepted; a name with a space is refused by qmaster without saying why', () => {
    expect(parseQsubId(capture('qsub-terse-clustrix-directives.txt').stdout)).toMatch(/^\d+$/);
    const bad = capture('qsub-error-name-space.txt');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Error reading answer list from qmaster');
  });

  test('an accepted job that will never run still has an id (h_vmem=10T)', () => {
    expect(parseQsubId(capture('qsub-error-h_vmem-too-big.txt').stdout)).toBe('57');
  });

  test.each(['qsub-error-unknown-option.txt', 'qsub-error-root.txt', 'qsub-error-pe.txt', 'qsub-error-script-missing.txt'])('no id in %s', (name) => {
    const c = capture(name);
    expect(c.code).not.toBe(0);
    expect(() => parseQsubId(c.stdout)).toThrow(/expected a job id/);
  });
});

describe('qstat -xml', () => {
  test('every job_list: running tasks one per entry, the pending range in one', () => {
    const entries = parseQstatXml(capture('qstat-xml-user.txt').stdout);
    expect(entries.map((e) => `${e.jobId}:${e.state}:${e.tasks?.join(',') ?? '-'}`)).toEqual([
      '43:r:-',
      '44:r:3',
      '45:r:1',
      '45:r:2',
      '45:r:3',
      '45:r:4',
      '45:r:5',
      '45:r:6',
      '46:qw:-',
      '42:Eqw:-',
      '45:qw:7,8,9,10',
      '47:hqw:-',
    ]);
    expect(entries.find((e) => e.jobId === '46')).toMatchObject({ name: 'wants4', owner: 'clustrix', slots: 4 });
    expect(entries[0]).toMatchObject({ queue: 'all.q@vm', slots: 1 });
  });

  test('reports by job id, array tasks by 0-based index; only the ids asked for', () => {
    const r = qstatReports([output('qstat-xml-all-users.txt')], ['42', '43', '44', '45', '46', '47', '49']);
    expect([...r.keys()].sort()).toEqual(['42', '43', '44', '45', '46', '47']); // 48 is not ours; 49 has finished
    expect(r.get('43')).toEqual({ state: 'running', schedulerState: 'r' });
    expect(r.get('46')).toEqual({ state: 'pending', schedulerState: 'qw' });
    expect(r.get('47')).toMatchObject({ state: 'pending', schedulerState: 'hqw', reason: 'on hold (`qrls 47` releases it)' });
    expect(r.get('42')).toMatchObject({ state: 'failed', schedulerState: 'Eqw' });
    expect(r.get('42')?.reason).toMatch(/error state \(Eqw\).*`qstat -j 42`.*`qdel 42`/);
    const arr = r.get('45')!;
    expect(arr.state).toBe('running');
    expect([...arr.tasks!.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(arr.tasks!.get(5)).toEqual({ state: 'running', schedulerState: 'r' });
    expect(arr.tasks!.get(6)).toEqual({ state: 'pending', schedulerState: 'qw' });
    // array 44: only task 3 is left; tasks 1, 2 and 4 ended and are not reported
    expect([...r.get('44')!.tasks!.entries()]).toEqual([[2, { state: 'running', schedulerState: 'r' }]]);
  });

  test('no jobs: an empty document, an empty map', () => {
    expect(qstatReports([output('qstat-xml-empty.txt')], ['1', '2']).size).toBe(0);
  });

  test('a failed or cut-off qstat is an error (the watcher retries), never "every job vanished"', () => {
    expect(() => qstatReports([{ stdout: 'error: commlib error: got select error (Connection refused)\n', code: 1 }], ['1'])).toThrow(ClustrixError);
    const xml = capture('qstat-xml-user.txt').stdout;
    expect(() => qstatReports([{ stdout: xml.slice(0, xml.length - 40), code: 0 }], ['43'])).toThrow(/not a complete qstat -xml document/);
    expect(() => qstatReports([output('qstat-plain.txt')], ['43'])).toThrow(/not a complete qstat -xml document/);
  });

  test('task ranges', () => {
    expect(parseTaskRange('7-10:1')).toEqual([7, 8, 9, 10]);
    expect(parseTaskRange('1-9:4,12')).toEqual([1, 5, 9, 12]);
    expect(parseTaskRange('3')).toEqual([3]);
  });

  test('state letters (sge_status(5))', () => {
    const states = Object.fromEntries(['qw', 'hqw', 'hRwq', 'Rq', 'r', 't', 'Rr', 'hr', 's', 'S', 'T', 'dr', 'dt', 'Eqw', 'Ehqw', ''].map((s) => [s, mapSgeState(s)]));
    expect(states).toEqual({
      qw: 'pending', hqw: 'pending', hRwq: 'pending', Rq: 'pending',
      r: 'running', t: 'running', Rr: 'running', hr: 'running', s: 'running', S: 'running', T: 'running', dr: 'running', dt: 'running',
      Eqw: 'failed', Ehqw: 'failed', '': 'unknown',
    });
  });
});

describe('qacct -j', () => {
  /** The id a capture asked about: the last word of its command (`qacct -j 51`). */
  const idOf = (name: string) => capture(name).command.split(' ').pop()!;
  const explain = (name: string, id = idOf(name)) => qacctReports([output(name)], [id]).get(id);

  test('a clean exit and an exit code', () => {
    expect(explain('qacct-completed.txt')).toEqual({ state: 'completed', schedulerState: 'exit_status 0', exitCode: 0 });
    expect(explain('qacct-exit3.txt')).toEqual({ state: 'failed', schedulerState: 'exit_status 3', exitCode: 3 });
  });

  test('failed 37 past the requested h_rt is a time limit', () => {
    expect(explain('qacct-h_rt-exceeded.txt')).toEqual({
      state: 'timeout',
      schedulerState: 'failed 37',
      reason: 'failed 37 : qmaster enforced h_rt, h_cpu, or h_vmem limit (ran 6 s of h_rt 5 s)',
      exitCode: 137,
    });
  });

  test('a PE job killed at h_rt: the category lists both requests, h_vmem counts per slot', () => {
    const r = explain('qacct-h_rt-pe.txt');
    expect(r).toMatchObject({ state: 'timeout', schedulerState: 'failed 37', exitCode: 137 });
    expect(r?.reason).toMatch(/\(ran 5 s of h_rt 5 s\)$/);
    const [rec] = parseQacct(capture('qacct-h_rt-pe.txt').stdout);
    expect(rec).toMatchObject({ slots: 2, requests: { h_rt: '5', h_vmem: '700M' } });
  });

  test('the same failed 37 with maxvmem at the requested h_vmem is a memory kill', () => {
    const r = explain('qacct-h_vmem-exceeded.txt');
    expect(r).toMatchObject({ state: 'out_of_memory', schedulerState: 'failed 37', exitCode: 137 });
    expect(r?.reason).toBe('failed 37 : qmaster enforced h_rt, h_cpu, or h_vmem limit (maxvmem 1.09G of h_vmem 1.00G)');
  });

  test('an allocation refused by the h_vmem ulimit is the program exiting 1, not a kill', () => {
    expect(explain('qacct-h_vmem.txt')).toMatchObject({ state: 'failed', schedulerState: 'exit_status 1', exitCode: 1 });
  });

  test('failed 100 is a qdel', () => {
    const r = explain('qacct-qdel-running.txt');
    expect(r).toMatchObject({ state: 'cancelled', schedulerState: 'failed 100', exitCode: 137 });
    expect(r?.reason).toMatch(/^failed 100 : assumedly after job \(deleted with qdel/);
  });

  test('no record (not flushed yet, deleted before it ran, unknown id): not explained', () => {
    expect(explain('qacct-just-finished.txt')).toBeUndefined();
    expect(explain('qacct-qdel-pending.txt')).toBeUndefined();
    expect(explain('qacct-unknown-id.txt')).toBeUndefined();
  });

  test('an array: one block per started task in any order, reported by 0-based index', () => {
    const r = explain('qacct-array-mixed.txt')!;
    expect(r.tasks?.get(0)).toMatchObject({ state: 'completed', exitCode: 0 });
    expect(r.tasks?.get(1)).toMatchObject({ state: 'failed', exitCode: 3 });
    expect(r.tasks?.get(2)).toMatchObject({ state: 'cancelled', schedulerState: 'failed 100' });
    expect(r.tasks?.get(3)).toMatchObject({ state: 'completed', exitCode: 0 });
    expect(r.tasks?.size).toBe(4);
    const deleted = explain('qacct-array-deleted.txt')!;
    const started = parseQacct(capture('qacct-array-deleted.txt').stdout).map((b) => b.taskId!);
    expect([...deleted.tasks!.keys()].sort((a, b) => a - b)).toEqual(started.map((t) => t - 1).sort((a, b) => a - b));
    expect(started.length).toBeLessThan(10); // the tasks that never started have no record
    expect([...deleted.tasks!.values()].every((t) => t.state === 'cancelled')).toBe(true);
  });

  test('several jobs in one round trip: each output read for its own id', () => {
    const names = ['qacct-h_rt-exceeded.txt', 'qacct-unknown-id.txt', 'qacct-qdel-running.txt'];
    const ids = names.map(idOf);
    const r = qacctReports(names.map(output), ids);
    expect([...r.keys()]).toEqual([ids[0], ids[2]]);
    expect(r.get(ids[0]!)?.state).toBe('timeout');
    expect(r.get(ids[2]!)?.state).toBe('cancelled');
    expect(sgeDialect.explainArgv!(['51', '43'])).toEqual([['qacct', '-j', '51'], ['qacct', '-j', '43']]);
  });

  test('fields: task ids, wall clock, maxvmem, slots, the category requests', () => {
    const [rec] = parseQacct(capture('qacct-h_vmem-exceeded.txt').stdout);
    expect(rec).toMatchObject({ jobId: idOf('qacct-h_vmem-exceeded.txt'), failed: 37, exitStatus: 137, wallclockSeconds: 1, slots: 1, requests: { h_vmem: '1G' } });
    expect(rec?.taskId).toBeUndefined();
    expect(rec?.maxvmemBytes).toBeCloseTo(1.089 * 1024 ** 3, -3);
  });

  test('SGE units', () => {
    expect(parseSgeMemory('1G')).toBe(1024 ** 3);
    expect(parseSgeMemory('100m')).toBe(100e6);
    expect(parseSgeMemory('1024M')).toBe(1024 ** 3);
    expect(parseSgeMemory('4.895MB')).toBeCloseTo(4.895 * 1024 ** 2);
    expect(parseSgeMemory('0.000B')).toBe(0);
    expect(parseSgeMemory('lots')).toBeUndefined();
    expect(parseSgeTime('6s')).toBe(6);
    expect(parseSgeTime('5')).toBe(5);
    expect(parseSgeTime('1:02:03')).toBe(3723);
    expect(categoryRequests('-l h_rt=5,h_vmem=1024M -pe smp 2')).toEqual({ h_rt: '5', h_vmem: '1024M' });
    expect(categoryRequests('NONE')).toEqual({});
  });
});
