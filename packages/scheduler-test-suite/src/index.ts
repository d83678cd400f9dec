/**
 * The conformance suite every scheduler package runs against its real testbed, in about ten lines:
 *
 *   import { describeConformance } from '@clustrix/scheduler-test-suite';
 *   import { scheduler } from '@clustrix/schedulers-sge';
 *   describeConformance({ scheduler, profile: { scheduler: 'sge', ...testbedSshProfile() }, unsupported: { qos: 'high' }, timeLimit: { time: '5s', sleep: 60 } });
 *
 * It checks: a call, a throw, an exit code, a cancel, an array map with results in order (one job),
 * batched status (one query per cycle for every outstanding job), a time limit, and an option the
 * scheduler cannot honour being rejected before anything is submitted.
 *
 * It also runs in the unit tests (`pnpm test`), against fakes: `setup` starts what the scheduler talks
 * to and returns the profile keys pointing at it (schedulers-kubernetes/test/conformance.test.ts, the
 * fake API server; core/test/conformance-batch.test.ts, a fake batch system on local files). A case a
 * fake cannot give is named in `skip` with the reason, and is reported skipped with it.
 */
import { afterAll, beforeAll, describe, expect, test as jestTest } from '@jest/globals';
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelledError,
  ConfigError,
  JobFailedError,
  TimeLimitError,
  configure,
  map,
  shutdown,
  submit,
  withOptions,
  type JobOptions,
  type JobRef,
} from '@clustrix/core';
import { getCluster } from '@clustrix/core/jobs';
import { registerScheduler, type SchedulerFactory } from '@clustrix/core/scheduler';
import { ConformanceError, ConformanceJobs } from './jobs.js';

export { ConformanceError, ConformanceJobs } from './jobs.js';
export { testbedSshProfile, openpbsProfile, OPENPBS_USER, SSH_DIR, SSH_PORT } from './testbed.js';
export { readCapture, type Capture } from './capture.js';

export interface ConformanceOptions {
  /** Suite title (default: the scheduler's name). */
  title?: string;
  /** The package's factory (registered before the tests). */
  scheduler?: SchedulerFactory;
  /** The cluster profile under test. */
  profile: Record<string, unknown>;
  /** An option this scheduler cannot honour (it must be refused before submission), or why there is none. */
  unsupported: JobOptions | { skip: string };
  /** `time` to set and how long the job sleeps past it; or why the test cannot run here. */
  timeLimit: { time: string | number; sleep: number; timeoutMs?: number } | { skip: string };
  /** Items of the array map (default 20). */
  arraySize?: number;
  /** Jobs kept outstanding while status queries are counted (default 6). */
  outstanding?: number;
  /** Per-test timeout, ms (default 120 s). */
  timeoutMs?: number;
  /**
   * Starts what the scheduler talks to before the suite (e.g. a fake API server) and returns the profile
   * keys that point at it, merged over `profile`; `teardown` runs after the suite.
   */
  setup?: () => Promise<{ profile?: Record<string, unknown>; teardown?: () => Promise<void> }>;
  /** Cases this scheduler cannot pass here, by title, each with the reason (they are skipped, saying it). */
  skip?: Partial<Record<ConformanceCase, string>>;
}

/** The cases of the suite, by the name `skip` takes. */
export type ConformanceCase = 'call' | 'throw' | 'exit' | 'cancel' | 'array' | 'batched-status';

export function describeConformance(options: ConformanceOptions): void {
  const name = options.title ?? `${String(options.profile.scheduler)} conformance`;
  const timeout = options.timeoutMs ?? 120_000;
  describe(name, () => {
    const root = mkdtempSync(join(tmpdir(), 'clustrix-conformance-'));
    chmodSync(root, 0o755);
    const jobs = new ConformanceJobs('conformance');
    let teardown: (() => Promise<void>) | undefined;
    const test = caseRunner(options.skip ?? {});

    beforeAll(async () => {
      if (options.scheduler) registerScheduler(options.scheduler);
      const started = await options.setup?.();
      teardown = started?.teardown;
      const profile = { ...options.profile, ...(started?.profile ?? {}) };
      if (!profile.host && !profile.remoteRoot) profile.remoteRoot = join(root, 'remote');
      configure(
        { defaultCluster: 'conformance', cacheDir: join(root, 'cache'), clusters: { conformance: profile as never } },
        { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') },
      );
    });
    afterAll(async () => {
      await shutdown();
      await teardown?.();
    });

    test('call', 'a call returns its result from a job of this scheduler', async () => {
      const h = await submit(() => jobs.describe());
      const r = await h.result();
      expect(r).toEqual({ tag: 'conformance', scheduler: options.profile.scheduler, jobId: h.id, index: undefined });
    }, timeout);

    test('throw', 'a throw comes back as the original class, message and fields', async () => {
      const err = await jobs.fail(7).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConformanceError);
      expect((err as ConformanceError).message).toBe('failed on purpose with 7');
      expect((err as ConformanceError).detail).toEqual({ code: 7 });
    }, timeout);

    test('exit', 'an exit code comes back as a JobFailedError with the stderr tail', async () => {
      const err = (await jobs.exit(3).catch((e: unknown) => e)) as JobFailedError;
      expect(err).toBeInstanceOf(JobFailedError);
      expect(err.exitCode).toBe(3);
      expect(err.stderrTail).toContain('exiting with 3');
      expect(err.jobId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{8}$/);
    }, timeout);

    test('cancel', 'a cancel ends the job as cancelled', async () => {
      const ac = new AbortController();
      const h = await submit(() => jobs.sleep(300), { signal: ac.signal });
      const ref = await h.submitted();
      for (let i = 0; i < 300 && h.state !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
      ac.abort();
      const err = await h.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CancelledError);
      const rt = await getCluster('conformance');
      const st = (await rt.scheduler.status([ref])).get(ref.jobId);
      expect(st?.state).toBe('cancelled');
    }, timeout);

    test('array', 'an array map: one job, results in input order', async () => {
      const n = options.arraySize ?? 20;
      const items = Array.from({ length: n }, (_, i) => i);
      const batch = map(items, (x) => jobs.square(x), { progress: false });
      expect(await batch).toEqual(items.map((x) => x * x));
      expect(batch.jobs).toHaveLength(1);
    }, timeout * 2);

    test('batched-status', 'batched status: one status query per cycle covers every outstanding job', async () => {
      const rt = await getCluster('conformance');
      const k = options.outstanding ?? 6;
      const seen: number[] = [];
      const original = rt.scheduler.status.bind(rt.scheduler);
      // Count the queries that answered (a long poll cut short by a new submission asked the scheduler nothing).
      const counting = async (refs: readonly JobRef[], o?: Parameters<typeof original>[1]) => {
        const answer = await original(refs, o);
        seen.push(refs.length);
        return answer;
      };
      (rt.scheduler as { status: typeof counting }).status = counting;
      try {
        const cycles0 = rt.watcher.cycles;
        await Promise.all(Array.from({ length: k }, (_, i) => withOptions({}, () => jobs.sleep(2 + (i % 2)))));
        const cycles = rt.watcher.cycles - cycles0;
        expect(seen.length).toBeGreaterThan(0);
        expect(seen.length).toBeLessThanOrEqual(cycles);
        expect(Math.max(...seen)).toBe(k);
      } finally {
        (rt.scheduler as { status: typeof original }).status = original;
      }
    }, timeout);

    const tl = options.timeLimit;
    if ('skip' in tl) {
      // eslint-disable-next-line jest/no-disabled-tests -- the reason is given by the scheduler's test file
      jestTest.skip(`a time limit ends the job with a TimeLimitError (skipped: ${tl.skip})`, () => undefined);
    } else {
      jestTest(
        'a time limit ends the job with a TimeLimitError',
        async () => {
          const err = await withOptions({ time: tl.time }, () => jobs.sleep(tl.sleep)).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(TimeLimitError);
          expect((err as TimeLimitError).schedulerJobId).toBeTruthy();
        },
        tl.timeoutMs ?? timeout,
      );
    }

    const unsupported = options.unsupported;
    if ('skip' in unsupported) {
      // eslint-disable-next-line jest/no-disabled-tests -- the reason is given by the scheduler's test file
      jestTest.skip(`an option the scheduler cannot honour is refused (skipped: ${String(unsupported.skip)})`, () => undefined);
      return;
    }
    jestTest('an option the scheduler cannot honour is refused before anything is submitted', async () => {
      const rt = await getCluster('conformance');
      const key = Object.keys(unsupported)[0]!;
      const cycles = rt.watcher.cycles;
      const err = await withOptions(unsupported, () => jobs.square(2)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(`cannot honour \`${key}\``);
      expect(rt.watcher.cycles).toBe(cycles);
      expect(rt.watcher.outstanding).toBe(0);
    }, timeout);
  });
}

/** `test` for the cases `skip` may name: a skipped one runs as test.skip with its reason in the title. */
function caseRunner(skip: Partial<Record<ConformanceCase, string>>) {
  return (name: ConformanceCase, title: string, fn: () => Promise<void>, timeout: number): void => {
    const reason = skip[name];
    // eslint-disable-next-line jest/no-disabled-tests -- the reason is given by the scheduler's test file
    if (reason) jestTest.skip(`${title} (skipped: ${reason})`, () => undefined);
    else jestTest(title, fn, timeout);
  };
}
