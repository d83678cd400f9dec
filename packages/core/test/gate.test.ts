// Core's one control-character gate (resources/gate.ts): every value that reaches a script, a
// directive or a command line; env values never reach one and are not gated.
import { describe, expect, test } from '@jest/globals';
import { BadValueError } from '@clustrix/core';
import { checkJobSpec, checkPrintable, jobEnv, normalizeResources, type BatchJobSpec } from '@clustrix/core/scheduler';

const REFUSED = ['\n', '\r', '\0', '\v', '\f', '\t', '\u0001', '\u001b', '\u007f', '\u0085', '\u009f', '\u2028', '\u2029'];
const spec = (extra: Partial<BatchJobSpec>): BatchJobSpec => ({
  jobId: 'j', jobDir: '/r/jobs/j', command: ['node', 'r.mjs'], resources: normalizeResources({}), label: 'A.b', profile: {}, ...extra,
});

describe('the control-character gate', () => {
  test.each(REFUSED.map((c) => [c]))('refuses %j with BAD_VALUE, naming key, character and position', (c) => {
    let err: unknown;
    try { checkPrintable('jobName', `ab${c}cd`, 'slurm'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(BadValueError);
    const e = err as BadValueError;
    expect(e.code).toBe('BAD_VALUE');
    expect(e.keyPath).toBe('jobName');
    expect(e.message).toMatch(new RegExp(`^\\[clustrix\\] \\[slurm\\] \`jobName\` .* cannot contain U\\+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} .*\\(at position 2\\)`));
  });

  test('passes printable values, spaces, quotes and non-ASCII unchanged', () => {
    for (const v of ['a b', "it's", '$(x)', 'é 日本 😀', '\u00a0', '#%!*?[']) expect(checkPrintable('k', v)).toBe(v);
  });

  test('every value of a job spec: label, job folder, argv, resources; setup may hold a tab', () => {
    expect(() => checkJobSpec(spec({ label: 'A.\nb' }))).toThrow(/`label \(Class\.method\)`/);
    expect(() => checkJobSpec(spec({ jobDir: '/r\u2029/jobs/j' }))).toThrow(/`remoteRoot \(job folder\)`.*U\+2029/);
    expect(() => checkJobSpec(spec({ command: ['node', 'a\0b'] }))).toThrow(/`command\[1\]`/);
    expect(() => normalizeResources({ modules: ['a\nb'] })).toThrow(/`modules\[0\]`/);
    expect(() => normalizeResources({ setup: ['echo a\nb'] })).toThrow(/`setup\[0\]`/);
    expect(() => normalizeResources({ setup: ['\tsource x'] })).not.toThrow();
    expect(() => normalizeResources({ qos: 'a\u0085' })).toThrow(/`qos`/);
  });

  test('env values are not gated (they travel in job.json), env names are', () => {
    expect(() => normalizeResources({ env: { TOKEN: 'multi\nline' } })).not.toThrow();
    expect(() => normalizeResources({ exportEnv: ['A\nB'] })).toThrow(/`exportEnv\[0\]`/);
  });
});

describe('exportEnv', () => {
  test('names variables of the submitting process; env wins; unset names are left out', () => {
    const from = { SECRET: 's3cret', OTHER: 'o', KEEP: 'k' };
    expect(jobEnv({ exportEnv: ['KEEP', 'MISSING'], env: { A: '1' } }, from)).toEqual({ KEEP: 'k', A: '1' });
    expect(jobEnv({ exportEnv: ['KEEP'], env: { KEEP: 'mine' } }, from)).toEqual({ KEEP: 'mine' });
    expect(jobEnv({}, from)).toBeUndefined();
  });
});

describe('exportEnv from the environment', () => {
  test('CLUSTRIX_EXPORT_ENV takes a comma-separated list', async () => {
    const { configFromEnv } = await import('../src/config/env.js');
    expect(configFromEnv({ CLUSTRIX_EXPORT_ENV: 'HF_TOKEN, WANDB_API_KEY' }).exportEnv).toEqual(['HF_TOKEN', 'WANDB_API_KEY']);
    expect(() => configFromEnv({ CLUSTRIX_EXPORT_ENV: 'A-B' })).toThrow(/environment variable name/);
  });
});
