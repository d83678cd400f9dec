// How the CLI prints errors: the code on the first line of a job's error, a `code:` line for a failed command.
import { describe, expect, test } from '@jest/globals';
import { ConfigError, RemoteError, TimeLimitError } from '@clustrix/core';
import { describeCommandError, describeJobError } from '../src/error-report.js';

describe('describeJobError', () => {
  test('class and code first, then the job fields', () => {
    const e = new TimeLimitError('job j1 exceeded its time limit of 1m', { scope: 'slurm', jobId: 'j1', schedulerJobId: '42', schedulerState: 'TIMEOUT' });
    const lines = describeJobError(e, false).split('\n');
    expect(lines[0]).toBe('TimeLimitError [TIME_LIMIT]: [clustrix] [slurm] job j1 exceeded its time limit of 1m');
    expect(lines.slice(1)).toEqual(['  job             j1', '  scheduler job   42', '  scheduler state TIMEOUT']);
  });

  test("a RemoteError: the remote name, REMOTE, and the original's code on its own line", () => {
    const e = Object.assign(new RemoteError('reset', { remoteName: 'FetchError' }), { remoteCode: 'ECONNRESET' });
    const text = describeJobError(e, false);
    expect(text.split('\n')[0]).toBe('FetchError [REMOTE]: [clustrix] [core] reset');
    expect(text).toMatch(/^  remote code     ECONNRESET$/m);
  });

  test('an error without a code: no brackets', () => {
    expect(describeJobError(new RangeError('out of range'), false)).toBe('RangeError: out of range');
  });
});

describe('describeCommandError', () => {
  test('a Clustrix error: its message, then its code', () => {
    expect(describeCommandError(new ConfigError('unknown cluster hpc'), false)).toBe('[clustrix] [config] unknown cluster hpc\n  code: CONFIG');
  });

  test('--verbose: the stack, then the code', () => {
    const text = describeCommandError(new ConfigError('unknown cluster hpc'), true);
    expect(text).toMatch(/^ConfigError: \[clustrix\] \[config\] unknown cluster hpc\n\s+at /);
    expect(text).toMatch(/\n  code: CONFIG$/);
  });

  test("any other error: its stack, and a system error's code", () => {
    const e = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    expect(describeCommandError(e, false)).toMatch(/^Error: no such file\n[\s\S]*\n  code: ENOENT$/);
    expect(describeCommandError('plain', false)).toBe('plain');
  });
});
