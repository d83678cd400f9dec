// #$ directive encoding: every value read back exactly by the #$ tokenizer model (checked against
// the real `qsub -verify` in directive-fuzz.cluster.test.ts) or refused with BAD_VALUE.
import { describe, expect, test } from '@jest/globals';
import { BadValueError, type JobOptions } from '@clustrix/core';
import { normalizeResources, type BatchJobSpec } from '@clustrix/core/scheduler';
import { namedInjections } from '../../scheduler-test-suite/src/directive-corpus.js';
import { encodeSgeValue, sgeArguments } from '../src/encode.js';
import { renderSgeScript, sgeDirectives } from '../src/render.js';

const DIR = '/home/u/.clustrix/jobs/j1';
const spec = (options: JobOptions, extra: Partial<BatchJobSpec> = {}): BatchJobSpec => ({
  jobId: 'j1', jobDir: DIR, command: ['node', 'r.mjs', DIR], resources: normalizeResources(options), label: 'Sim.run', profile: {}, ...extra,
});
const refusedCode = (f: () => unknown): string | undefined => {
  try { f(); return undefined; } catch (e) { return e instanceof BadValueError ? e.code : `not BAD_VALUE: ${(e as Error).message}`; }
};

describe('#$ encoding (issue 11)', () => {
  test('every named injection reads back exactly or is refused', () => {
    for (const v of namedInjections('/tmp/canary')) {
      const code = refusedCode(() => encodeSgeValue('account', v));
      if (code) { expect(code).toBe('BAD_VALUE'); continue; }
      expect(sgeArguments(` -A ${encodeSgeValue('account', v)}`)).toEqual(['-A', v]);
    }
  });

  test('a newline in the Class.method label or in remoteRoot is refused, naming the key', () => {
    expect(() => renderSgeScript(spec({}, { label: 'A.\nrun' }))).toThrow(/`label \(Class\.method\)` .*U\+000A/);
    expect(refusedCode(() => renderSgeScript(spec({}, { jobDir: '/home/u\u2028/jobs/j1' })))).toBe('BAD_VALUE');
  });

  test('spaces, $() and backticks read back exactly; quotes and # are refused with the character named', () => {
    const args = sgeDirectives(spec({ account: 'a$(touch_x)`id`' }, { jobDir: '/tmp/a b' })).flatMap((l) => sgeArguments(l.slice(2)));
    expect(args).toEqual(expect.arrayContaining(['-A', 'a$(touch_x)`id`', '-wd', '/tmp/a b']));
    expect(() => encodeSgeValue('account', 'a#b')).toThrow(/cannot contain U\+0023 \(#\)/);
    expect(() => encodeSgeValue('account', "a'b")).toThrow(/cannot contain U\+0027/);
  });

  test('no -V: the submitter environment is not exported', () => {
    expect(sgeDirectives(spec({})).some((l) => /-V\b/.test(l))).toBe(false);
  });
});
