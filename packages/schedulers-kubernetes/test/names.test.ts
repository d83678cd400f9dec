// Names and label values (issue 11 item 1, Kubernetes): names are derived as DNS-1123 labels from
// any jobName or `Class.method` (the name as given stays in an annotation); a value that must be a
// label value and cannot be one is refused with BAD_VALUE naming the character. The fake API
// server (test/fake/validate.ts, a FAKE) checks names and labels as the real one does.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { BadValueError, submit } from '@clustrix/core';
import type { SubmitRequest } from '@clustrix/core/scheduler';
import { checkLabelValue, isDnsLabel, readSettings, renderJob, runNames } from '@clustrix/schedulers-kubernetes';
import { Lab } from './fixtures/jobs.js';
import { NAMESPACE, startFake, stopFake, type FakeCluster } from './helpers.js';
// deterministic (mulberry32, the directive fuzz's own), so a failure can be replayed
import { seededRandom as prng } from '../../scheduler-test-suite/src/directive-corpus.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const JOB_ID = '20261201-030000-0a1b2c3d';
const PIECES = ["'", '"', '\\', '$(x)', '`x`', ';', '|', '&', '<', '>', '#', '%', '!', '*', '?', '[', ']', ' ', '\t', '.', '-', '_', '/', ':', '=', ',', 'Été', '模型', '🚀', 'A', 'z', '9', '--', '..', '-'.repeat(70), 'x'.repeat(300)];

function hostileNames(count: number): string[] {
  const rnd = prng(11);
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => PIECES[Math.floor(rnd() * PIECES.length)]!).join(''));
}

describe('derived names', () => {
  test('2,000 hostile job names (and Class.method labels) all give DNS-1123 Job names and valid payload names', () => {
    for (const name of hostileNames(2000)) {
      const names = runNames(JOB_ID, name);
      expect(isDnsLabel(names.job)).toBe(true);
      expect(names.job.length).toBeLessThanOrEqual(52); // an Indexed Job's pod hostnames add up to 11 characters
      expect(names.job.endsWith(JOB_ID)).toBe(true);
      expect(names.payload.length <= 253 && DNS_SUBDOMAIN.test(names.payload)).toBe(true);
    }
  });

  test('the jobName as given is kept in the clustrix.io/job-name annotation', () => {
    const jobName = 'Évaluer "model" $(x); #1';
    const request: SubmitRequest = { jobId: JOB_ID, jobDir: `/r/jobs/${JOB_ID}`, command: ['node', '/r/runner.mjs', `/r/jobs/${JOB_ID}`], options: { jobName } };
    const names = runNames(JOB_ID, jobName);
    const job = renderJob({ request, settings: readSettings({ scheduler: 'kubernetes' }), namespace: 'ns', names, payloadKind: 'secret', root: '/r' }) as { metadata: { name: string; annotations: Record<string, string> } };
    expect(job.metadata.name).toBe(`valuer-model-x-1-${JOB_ID}`);
    expect(job.metadata.annotations['clustrix.io/job-name']).toBe(jobName);
  });
});

describe('label values', () => {
  test.each([
    ['a,b', ','],
    ['x=y', '='],
    ['id with space', ' '],
    ['ünï', 'ü'],
  ])('%j is refused with BAD_VALUE naming %j', (value, ch) => {
    const err = (() => {
      try {
        checkLabelValue('jobId', value);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(BadValueError);
    expect((err as BadValueError).code).toBe('BAD_VALUE');
    expect((err as Error).message).toMatch(/^\[clustrix\] \[kubernetes\] `jobId` /);
    expect((err as Error).message).toContain(`U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
  });

  test('too long, or not starting and ending alphanumeric, is refused; a real job id passes', () => {
    expect(() => checkLabelValue('jobId', 'a'.repeat(64))).toThrow(/is 64 characters long/);
    expect(() => checkLabelValue('jobId', '-abc')).toThrow(/must start and end with a letter or digit/);
    expect(checkLabelValue('jobId', JOB_ID)).toBe(JOB_ID);
  });
});

describe('the fake API server accepts what is derived', () => {
  let c: FakeCluster;
  beforeAll(async () => {
    c = await startFake();
  });
  afterAll(() => stopFake(c));

  test('a hostile jobName runs; the Job name is a DNS label and the annotation holds the name', async () => {
    const jobName = 'Évaluer "model" $(x); #1 🚀';
    const h = await submit(() => new Lab('names').describe(5), { jobName });
    await expect(h.result()).resolves.toMatchObject({ x: 5 });
    const job = c.fake.get('jobs', NAMESPACE, h.schedulerJobId!)!;
    expect(isDnsLabel(job.metadata.name)).toBe(true);
    expect(job.metadata.annotations?.['clustrix.io/job-name']).toBe(jobName);
  });
});
