// #PBS directive encoding: compared with what each flavour's parser reads (tokenizer models of
// OpenPBS make_argv and of sbatch's get_argument, which SLURM's Torque wrappers use; both checked
// against the real parsers in directive-fuzz.cluster.test.ts), never with the quoting helper's output.
import { describe, expect, test } from '@jest/globals';
import { BadValueError, type JobOptions } from '@clustrix/core';
import { normalizeResources, type BatchJobSpec } from '@clustrix/core/scheduler';
import { pbsDirectives, renderPbsScript } from '../src/render.js';
import { encodePbsValue, openpbsArguments } from '../src/encode.js';
import { namedInjections } from '../../scheduler-test-suite/src/directive-corpus.js';
import { sbatchArguments } from '../../schedulers-slurm/src/encode.js';

const DIR = '/home/u/.clustrix/jobs/j1';
const spec = (options: JobOptions, extra: Partial<BatchJobSpec> = {}): BatchJobSpec => ({
  jobId: 'j1', jobDir: DIR, command: ['node', 'r.mjs', DIR], resources: normalizeResources(options), label: 'Sim.run', profile: {}, ...extra,
});
const readers = { pbspro: [openpbsArguments], torque: [openpbsArguments, sbatchArguments] } as const;
/** Arguments every parser of the flavour reads from the #PBS lines (each must agree). */
function readBack(lines: string[], flavour: 'pbspro' | 'torque'): string[] {
  const all = readers[flavour].map((read) => lines.filter((l) => l.startsWith('#PBS')).flatMap((l) => read(l.slice(4))));
  for (const other of all.slice(1)) expect(other).toEqual(all[0]);
  return all[0]!;
}
const refusedCode = (f: () => unknown): string | undefined => {
  try { f(); return undefined; } catch (e) { return e instanceof BadValueError ? e.code : `not BAD_VALUE: ${(e as Error).message}`; }
};

describe('#PBS encoding (issue 11)', () => {
  test.each(['pbspro', 'torque'] as const)("%s: queue q\\' -l walltime=99:00:00 -N \\' is refused (PBS -q is validated)", (flavour) => {
    expect(refusedCode(() => pbsDirectives(spec({ queue: "q\\' -l walltime=99:00:00 -N \\'", time: '1m' }), flavour))).toBe('BAD_VALUE');
    expect(() => pbsDirectives(spec({ queue: 'q x' }), flavour)).toThrow(/`queue` "q x" cannot contain U\+0020 .*name@server/);
    expect(readBack(pbsDirectives(spec({ queue: 'batch@server1' }), flavour), flavour)).toContain('batch@server1');
  });

  test.each(['pbspro', 'torque'] as const)('%s: an account with quotes, backslashes, # and $() reads back as one argument', (flavour) => {
    const hostile = "p\\'#x\"$(touch_/tmp/canary)`id`;-l";
    const args = readBack(pbsDirectives(spec({ account: hostile, time: '1m' }), flavour), flavour);
    expect(args[args.indexOf('-A') + 1]).toBe(hostile);
    expect(args.filter((a) => a === '-l')).toHaveLength(1);
    expect(refusedCode(() => pbsDirectives(spec({ account: 'a b' }), flavour))).toBe('BAD_VALUE');
    expect(refusedCode(() => pbsDirectives(spec({ account: 'é' }), flavour))).toBe('BAD_VALUE');
  });

  test.each(['pbspro', 'torque'] as const)('%s: a newline in the Class.method label or in remoteRoot is refused', (flavour) => {
    expect(refusedCode(() => renderPbsScript(spec({}, { label: "A\\'\ntouch /tmp/canary\n#.run" }), flavour))).toBe('BAD_VALUE');
    expect(refusedCode(() => renderPbsScript(spec({}, { jobDir: '/home/u\n/jobs/j1' }), flavour))).toBe('BAD_VALUE');
  });

  test('torque: a job named hetjob or starting with : is not blanked or fatal in sbatch (the wrappers)', () => {
    for (const v of ['hetjob', 'packjob', ':x', 'HetJob']) {
      expect(sbatchArguments(` -N ${encodePbsValue('torque', 'jobName', v)}`)).toEqual(['-N', v]);
    }
  });

  test.each(['pbspro', 'torque'] as const)('%s: every named injection reads back exactly or is refused', (flavour) => {
    for (const v of namedInjections('/tmp/canary')) {
      const code = refusedCode(() => encodePbsValue(flavour, 'account', v));
      if (code) { expect(code).toBe('BAD_VALUE'); continue; }
      for (const read of readers[flavour]) expect(read(` -A ${encodePbsValue(flavour, 'account', v)}`)).toEqual(['-A', v]);
    }
  });

  test('the SLURM wrappers are told not to export the submitter environment; real PBS never is (-V absent)', () => {
    expect(pbsDirectives(spec({}), 'torque')).toContain('#SBATCH --export=NONE');
    expect(pbsDirectives(spec({}), 'pbspro').some((l) => /-V\b|--export/.test(l))).toBe(false);
  });
});
