// The sacct usage parser on captured real output (fixtures/usage-sacct.txt, sacct-mem-exceeded-steps.txt).
import { describe, expect, test } from '@jest/globals';
import { dialectForProfile, parseAllocTres, parseSlurmBytes, parseSlurmDuration, parseSlurmUsage, slurmDialect } from '@clustrix/schedulers-slurm';
import { capture } from './fixture.js';

const usageOf = (name: string, ids: string[]) => {
  const c = capture(name);
  return parseSlurmUsage([{ stdout: c.stdout, code: c.code }], ids);
};

describe('sacct usage', () => {
  test('a finished job: Elapsed and TotalCPU from its own line, MaxRSS from its .batch step, cpus from AllocTRES', () => {
    const r = usageOf('usage-sacct.txt', ['16170', '16171']);
    expect(r.get('16170')).toEqual({ job: { source: 'slurm', elapsedMs: 4000, cpuMs: 38, maxRssBytes: 50540 * 1024, cpus: 1 } });
    // over its time limit: the figures are there all the same
    expect(r.get('16171')?.job).toMatchObject({ elapsedMs: 80_000, cpuMs: 2, maxRssBytes: 50504 * 1024 });
  });

  test('an array: one figure set per task, by task index; no MaxRSS sample leaves the peak out', () => {
    const r = usageOf('usage-sacct.txt', ['166']).get('166')!;
    expect(r.job).toBeUndefined();
    expect(r.tasks?.size).toBe(200);
    expect(r.tasks?.get(0)).toEqual({ source: 'slurm', elapsedMs: 1000, cpuMs: 33, cpus: 1 });
    expect(r.tasks?.get(14)).toMatchObject({ elapsedMs: 3000, cpuMs: 33 });
  });

  test('jobs not asked for, and unknown ones, are left out', () => {
    expect([...usageOf('usage-sacct.txt', ['16170', '999']).keys()]).toEqual(['16170']);
  });

  test('the peak is the largest step (a job killed for memory)', () => {
    // this capture has other columns; its .batch line carries MaxRSS in the 8th field: rebuild the usage columns
    const c = capture('sacct-mem-exceeded-steps.txt');
    const lines = c.stdout.trim().split('\n').map((l) => l.split('|')).map((f) => [f[0], f[2], f[5], '00:00.100', f[7], 'cpu=1'].join('|'));
    const r = parseSlurmUsage([{ stdout: lines.join('\n'), code: 0 }], ['867']);
    expect(r.get('867')?.job).toMatchObject({ maxRssBytes: 519968 * 1024, elapsedMs: 1000 });
  });

  test('sacct times, sizes and TRES', () => {
    expect(parseSlurmDuration('2-03:04:05')).toBe(((2 * 24 + 3) * 3600 + 4 * 60 + 5) * 1000);
    expect(parseSlurmDuration('01:02:03.5')).toBe(3723500);
    expect(parseSlurmDuration('04:05.123')).toBe(245123);
    expect(parseSlurmDuration('Unknown')).toBeUndefined();
    expect(parseSlurmBytes('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseSlurmBytes('0')).toBe(0);
    expect(parseSlurmBytes('')).toBeUndefined();
    expect(parseAllocTres('billing=2,cpu=2,gres/gpu=1,mem=2949M,node=1')).toEqual({ cpus: 2, gpus: 1 });
  });

  test('the usage command asks sacct once for every job, with the steps; a profile slurmConf goes in front', () => {
    expect(slurmDialect.usageArgv!(['1', '2'])).toEqual([['sacct', '--noheader', '--parsable2', '--format=JobID,State,Elapsed,TotalCPU,MaxRSS,AllocTRES', '--jobs=1,2']]);
    const withConf = dialectForProfile(slurmDialect, { slurmConf: '/etc/mn.conf' });
    expect(withConf.usageArgv!(['1'])[0]!.slice(0, 3)).toEqual(['env', 'SLURM_CONF=/etc/mn.conf', 'sacct']);
  });
});
