// sbatch's directive tokenizer: every value is read back exactly (by the tokenizer model, which
// directive-fuzz.cluster.test.ts checks against the real sbatch) or refused with BAD_VALUE.
import { describe, expect, test } from '@jest/globals';
import { BadValueError, type JobOptions } from '@clustrix/core';
import { normalizeResources, type BatchJobSpec } from '@clustrix/core/scheduler';
import { renderSlurmScript, slurmDirectives } from '@clustrix/schedulers-slurm';
import { namedInjections } from '../../scheduler-test-suite/src/directive-corpus.js';
import { encodeSbatchValue, sbatchArguments } from '../src/encode.js';

const DIR = '/home/u/.clustrix/jobs/j1';
const spec = (options: JobOptions, extra: Partial<BatchJobSpec> = {}): BatchJobSpec => ({
  jobId: 'j1', jobDir: DIR, command: ['node', 'r.mjs', DIR], resources: normalizeResources(options), label: 'Sim.run', profile: {}, ...extra,
});
/** Every argument sbatch reads from the script's #SBATCH lines. */
const readBack = (lines: string[]) => lines.filter((l) => l.startsWith('#SBATCH')).flatMap((l) => sbatchArguments(l.slice('#SBATCH'.length)));
const refusedCode = (f: () => unknown): string | undefined => {
  try { f(); return undefined; } catch (e) { return e instanceof BadValueError ? e.code : `not BAD_VALUE: ${(e as Error).message}`; }
};

describe('sbatch directive encoding (issue 11)', () => {
  const injection = "\\' --output=/tmp/evil --comment=\\'";
  test.each(['jobName', 'partition', 'account', 'qos', 'constraint'] as const)("%s holding \\' then ' --output=/tmp/evil --comment=\\'' stays one argument", (key) => {
    const flag = { jobName: '--job-name', partition: '--partition', account: '--account', qos: '--qos', constraint: '--constraint' }[key];
    const args = readBack(slurmDirectives(spec({ [key]: `a${injection}` })));
    expect(args).toContain(`${flag}=a${injection}`);
    expect(args.filter((a) => a.startsWith('--output='))).toEqual([`--output=${DIR}/stdout`]);
    expect(args.some((a) => a.startsWith('--comment'))).toBe(false);
  });

  test('--export=ALL,BASH_FUNC_cd%%=() {...} in a value cannot become an --export option; the script exports NONE', () => {
    const hostile = "x\\' --export=ALL,BASH_FUNC_cd%%=() { touch /tmp/canary; } --comment=\\'";
    const args = readBack(slurmDirectives(spec({ jobName: hostile, account: hostile })));
    expect(args.filter((a) => a.startsWith('--export'))).toEqual(['--export=NONE']);
    expect(args).toContain(`--job-name=${hostile}`);
    expect(args).toContain(`--account=${hostile}`);
  });

  test('a newline in the Class.method label or in remoteRoot is refused before anything is written', () => {
    expect(refusedCode(() => renderSlurmScript(spec({}, { label: "A\\'\ntouch /tmp/canary\n#.run" })))).toBe('BAD_VALUE');
    expect(refusedCode(() => renderSlurmScript(spec({ jobName: 'ok' }, { label: 'A.\u2028run' })))).toBe('BAD_VALUE');
    expect(refusedCode(() => renderSlurmScript(spec({}, { jobDir: '/home/u/x\n#SBATCH --wrap=id/jobs/j1' })))).toBe('BAD_VALUE');
    expect(() => renderSlurmScript(spec({}, { jobDir: '/home/u/x\ry' }))).toThrow(/`remoteRoot \(job folder\)` "\/home\/u\/x\\ry" cannot contain U\+000D \(CR\) \(at position 9\)/);
  });

  test.each([['\n'], ['\r'], ['\0'], ['\v'], ['\f'], ['\t'], ['\u0085'], ['\u2028'], ['\u2029'], ['\u001b'], ['\u009f']])('control character %j is refused in every field', (c) => {
    for (const key of ['jobName', 'partition', 'account', 'qos', 'constraint'] as const) {
      expect(refusedCode(() => slurmDirectives(spec({ [key]: `a${c}b` })))).toBe('BAD_VALUE');
    }
  });

  test('every named injection of the corpus reads back exactly, as one argument, or is refused', () => {
    for (const v of namedInjections('/tmp/canary')) {
      const code = refusedCode(() => encodeSbatchValue('jobName', v));
      if (code) { expect(code).toBe('BAD_VALUE'); continue; }
      expect(sbatchArguments(` --job-name=${encodeSbatchValue('jobName', v)}`)).toEqual([`--job-name=${v}`]);
    }
  });

  test('quotes, backslashes, # and spaces round-trip; an empty value is refused', () => {
    for (const v of ['a b', "it's", 'say "hi"', 'back\\slash', 'end\\', '#not-a-comment', 'x # y', '\\"', "'\\''", 'é 日本 😀']) {
      expect(sbatchArguments(`--job-name=${encodeSbatchValue('jobName', v)}`)).toEqual([`--job-name=${v}`]);
    }
    expect(encodeSbatchValue('partition', 'debug')).toBe('debug');
    expect(refusedCode(() => encodeSbatchValue('jobName', ''))).toBe('BAD_VALUE');
  });

  test('the model knows what the POSIX quoting got wrong: \\ escapes inside single quotes', () => {
    // the old renderer wrote '...'\''...' : sbatch reads a value with a backslash into extra options
    expect(sbatchArguments(" --job-name='a\\' --output=/tmp/evil --comment=\\''")).toEqual(["--job-name=a' --output=/tmp/evil --comment='"]);
    expect(sbatchArguments(" --job-name='a\\'' --output=/tmp/evil")).toEqual(["--job-name=a'", '--output=/tmp/evil']);
  });
});
