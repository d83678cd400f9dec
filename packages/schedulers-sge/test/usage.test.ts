// The qacct usage parser on captured real output (fixtures/qacct-*.txt).
import { describe, expect, test } from '@jest/globals';
import { parseSgeUsage, sgeDialect } from '@clustrix/schedulers-sge';
import { output } from './fixtures.js';

describe('qacct usage', () => {
  test('a finished job: ru_wallclock, cpu, maxvmem (the peak), slots', () => {
    const r = parseSgeUsage([output('qacct-h_vmem-exceeded.txt')], ['53']);
    expect(r.get('53')).toEqual({ job: { source: 'sge', elapsedMs: 1000, cpuMs: 720, maxRssBytes: Math.round(1.089 * 1024 ** 3), cpus: 1 } });
    expect(parseSgeUsage([output('qacct-h_rt-pe.txt')], ['159']).get('159')?.job).toMatchObject({ elapsedMs: 5000, cpuMs: 8, cpus: 2 });
  });

  test('maxvmem 0.000B (ended before SGE sampled it) leaves the peak out', () => {
    const job = parseSgeUsage([output('qacct-completed.txt')], ['49']).get('49')?.job;
    expect(job).toEqual({ source: 'sge', elapsedMs: 0, cpuMs: 6, cpus: 1 });
  });

  test('an array: one figure set per task, by 0-based index (taskid is 1-based)', () => {
    const r = parseSgeUsage([output('qacct-array-mixed.txt')], ['44']).get('44')!;
    expect([...r.tasks!.keys()].sort()).toEqual([0, 1, 2, 3]);
    expect(r.tasks!.get(2)).toMatchObject({ elapsedMs: 5000 });
  });

  test('a job qacct does not know is left out; one qacct per job', () => {
    expect(parseSgeUsage([output('qacct-unknown-id.txt')], ['999999']).size).toBe(0);
    expect(sgeDialect.usageArgv!(['1', '2'])).toEqual([['qacct', '-j', '1'], ['qacct', '-j', '2']]);
  });
});
