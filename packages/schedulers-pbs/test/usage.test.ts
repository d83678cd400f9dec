// The resources_used parser on captured real OpenPBS output (fixtures/openpbs/qstat-fx*.txt).
import { describe, expect, test } from '@jest/globals';
import { parsePbsSize, parsePbsUsage, pbsDialect } from '@clustrix/schedulers-pbs';
import { fixture } from './fixture.js';

const usageOf = (name: string, ids: string[]) => {
  const f = fixture(name);
  return parsePbsUsage([{ stdout: f.merged, code: f.code }], ids);
};

describe('qstat -f -x usage (OpenPBS)', () => {
  test('finished jobs: walltime, cput, mem (the peak MoM sampled), ncpus; a job that never ran has none', () => {
    const r = usageOf('openpbs/qstat-fx-finished.txt', ['7745.vm', '7747.vm', '7748.vm', '7742.vm']);
    // too short for a sample: mem 0kb is left out
    expect(r.get('7745.vm')).toEqual({ job: { source: 'pbs', elapsedMs: 0, cpuMs: 0, cpus: 1 } });
    expect(r.get('7747.vm')?.job).toEqual({ source: 'pbs', elapsedMs: 4000, cpuMs: 0, maxRssBytes: 7276 * 1024, cpus: 1 });
    expect(r.get('7748.vm')?.job?.maxRssBytes).toBe(156180 * 1024);
    expect(r.has('7742.vm')).toBe(false);
  });

  test('an array: its subjobs by index', () => {
    const r = usageOf('openpbs/qstat-fxt-array-finished.txt', ['7741[].vm']).get('7741[].vm')!;
    expect(r.job).toBeUndefined();
    expect(r.tasks?.get(0)).toMatchObject({ elapsedMs: 3000, maxRssBytes: 7308 * 1024 });
    expect(r.tasks?.get(1)).toMatchObject({ maxRssBytes: 7272 * 1024 });
  });

  test('sizes, and which flavour asks', () => {
    expect(parsePbsSize('2gb')).toBe(2 * 1024 ** 3);
    expect(parsePbsSize('512')).toBe(512);
    expect(parsePbsSize('x')).toBeUndefined();
    expect(pbsDialect('pbspro').usageArgv!(['1.vm'])).toEqual([['qstat', '-f', '-x', '1.vm']]);
    // SLURM's Torque wrappers print no resources_used: nothing to ask
    expect(pbsDialect('torque').usageArgv).toBeUndefined();
  });
});
