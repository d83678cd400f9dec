// SGE end to end on the real Son of Grid Engine of scripts/testbed/sge.sh, as `clustrix` over SSH
// (SGE refuses root). What the conformance suite does not cover: how SGE reads the rendered #$ block,
// 1-based task ids, memory (h_vmem is an address-space limit), qacct explaining kills and deletions,
// requests no host can satisfy, and the number of scheduler commands per status cycle.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelledError,
  ConfigError,
  OutOfMemoryError,
  SubmitError,
  TimeLimitError,
  configure,
  map,
  shutdown,
  submit,
  withOptions,
} from '@clustrix/core';
import { getCluster } from '@clustrix/core/jobs';
import { normalizeResources, registerScheduler, type BatchScheduler } from '@clustrix/core/scheduler';
import { testbedSshProfile } from '@clustrix/scheduler-test-suite';
import { renderSgeScript, scheduler } from '@clustrix/schedulers-sge';
import { SgeJobs } from './jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-sge-'));
beforeAll(() => {
  registerScheduler(scheduler);
  configure(
    { defaultCluster: 'sge', cacheDir: join(root, 'cache'), clusters: { sge: { scheduler: 'sge', ...testbedSshProfile('clustrix') } as never } },
    { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') },
  );
});
afterAll(() => shutdown());

const jobs = new SgeJobs();
const sge = async () => {
  const rt = await getCluster('sge');
  return { rt, scheduler: rt.scheduler as BatchScheduler };
};
const run = async (argv: string[]) => (await getCluster('sge')).transport.exec(argv);
const waitFor = async (what: () => boolean | Promise<boolean>, ms = 30_000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (await what()) return;
  throw new Error('timed out');
};

describe('SGE over SSH as clustrix', () => {
  test('SGE reads the rendered #$ block as meant (qstat -j of a held job)', async () => {
    const { rt } = await sge();
    const dir = `${rt.remoteRoot}/test-render/job dir`;
    const script = renderSgeScript({
      jobId: 'render-test',
      jobDir: dir,
      command: ['true'],
      count: 5,
      concurrency: 2,
      resources: normalizeResources({ cpus: 2, memory: '3G', time: 90, queue: 'all.q', account: 'proj-1', jobName: 'Render.test', directives: ['-h'] }),
      profile: {},
    });
    await rt.transport.writeFiles(dir, { 'job.sh': script }, { mode: 0o700 });
    const sub = await run(['qsub', '-terse', `${dir}/job.sh`]);
    expect(sub.code).toBe(0);
    const id = sub.stdout.trim().split('.')[0]!;
    try {
      const shown = (await run(['qstat', '-j', id])).stdout;
      expect(shown).toMatch(/^job_name: +Render\.test$/m);
      expect(shown).toMatch(/^account: +proj-1$/m);
      expect(shown).toContain(`cwd:                        ${dir}\n`);
      expect(shown).toContain(`stdout_path_list:           NONE:NONE:${dir}/logs/sge.out\n`);
      expect(shown).toMatch(/^hard resource_list: +h_rt=90,h_vmem=1536M$/m);
      expect(shown).toMatch(/^parallel environment: +smp range: 2$/m);
      expect(shown).toMatch(/^job-array tasks: +1-5:1$/m);
      expect(shown).toMatch(/^maximum concurrency: +2$/m);
      expect(shown).toMatch(/^hard_queue_list: +all\.q$/m);
      expect(shown).toMatch(/^verify_suitable_queues: +2$/m); // -w e
    } finally {
      await run(['qdel', id]);
      await rt.transport.remove(`${rt.remoteRoot}/test-render`, { recursive: true });
    }
  });

  test('task ids: SGE_TASK_ID is 1-based, the item index 0-based; a single job sees the word "undefined"', async () => {
    const items = await map([0, 1, 2], () => jobs.where(), { progress: false });
    expect(items.map((r) => [r.taskId, r.index])).toEqual([['1', 0], ['2', 1], ['3', 2]]);
    expect(new Set(items.map((r) => r.sgeJob)).size).toBe(1);
    const one = await withOptions({ cpus: 2, memory: '2G' }, () => jobs.where());
    expect(one).toMatchObject({ taskId: 'undefined', index: undefined, slots: '2' });
  });

  test('memory Node cannot start under is refused before anything is submitted', async () => {
    const { scheduler: s } = await sge();
    const trips = s.roundTrips;
    const err = await withOptions({ memory: '512M' }, () => jobs.where()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/`memory` 512M is too small for SGE's h_vmem/);
    expect(s.roundTrips).toBe(trips);
  });

  test('a request no queue can ever satisfy is refused by qsub (-w e), not left waiting forever', async () => {
    const err = await withOptions({ memory: '100T' }, () => jobs.where()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubmitError);
    expect((err as SubmitError).message).toMatch(/qsub refused job .*no suitable queues/);
  });

  test('processes together over h_vmem: SGE kills the job (failed 37), qacct explains it as out of memory', async () => {
    const { scheduler: s } = await sge();
    const explained = s.explainTrips;
    const err = await withOptions({ memory: '1500M' }, () => jobs.children(3, 600, 60)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect((err as OutOfMemoryError).schedulerState).toBe('failed 37');
    expect((err as OutOfMemoryError).message).toMatch(/ran out of memory \(failed 37\): failed 37 : qmaster enforced h_rt, h_cpu, or h_vmem limit \(maxvmem [\d.]+G of h_vmem 1\.46G\)/);
    expect(s.explainTrips).toBeGreaterThan(explained);
  }, 90_000);

  test('one allocation over h_vmem fails inside Node (a ulimit, not a kill): OutOfMemoryError from its stderr', async () => {
    const err = await withOptions({ memory: '1200M' }, () => jobs.buffers(1500)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect((err as OutOfMemoryError).stderrTail).toMatch(/out of memory/i);
  }, 60_000);

  test('a job deleted outside Clustrix while it runs: CancelledError from qacct (failed 100)', async () => {
    const h = await submit(() => jobs.sleep(120));
    const ref = await h.submitted();
    await waitFor(() => h.state === 'running');
    expect((await run(['qdel', ref.schedulerJobId])).code).toBe(0);
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).schedulerState).toBe('failed 100');
    expect((err as CancelledError).message).toMatch(/was cancelled \(failed 100\): failed 100 : assumedly after job/);
  }, 60_000);

  test('an array task killed at h_rt is a TimeLimitError for that item; the others return', async () => {
    const settled = await map([1, 120, 2], (s) => jobs.sleep(s), { time: '5s', progress: false }).settled();
    expect(settled[0]).toMatchObject({ status: 'fulfilled', value: 1 });
    expect(settled[2]).toMatchObject({ status: 'fulfilled', value: 2 });
    expect(settled[1]!.status).toBe('rejected');
    const err = (settled[1] as { reason: unknown }).reason as TimeLimitError;
    expect(err).toBeInstanceOf(TimeLimitError);
    expect(err.index).toBe(1);
    expect(err.message).toMatch(/exceeded its time limit of 5s \(failed 37\).*\(ran \d+ s of h_rt 5 s\)/);
  }, 90_000);

  test('with 30 held jobs outstanding, every status cycle runs ONE qstat -xml and no qacct; cancelled before they ran (no accounting record), they end cancelled', async () => {
    const { rt, scheduler: s } = await sge();
    const scripts: string[] = [];
    const t = rt.transport;
    const exec = t.exec.bind(t);
    // observe (not replace) what the real transport runs
    (t as { exec: typeof exec }).exec = (argv, options) => {
      if (argv[0] === 'sh' && options?.stdin) scripts.push(typeof options.stdin === 'string' ? options.stdin : Buffer.from(options.stdin).toString('utf8'));
      return exec(argv, options);
    };
    const ac = new AbortController();
    try {
      const calls = Array.from({ length: 30 }, (_, i) => withOptions({ signal: ac.signal, directives: ['-h'] }, () => jobs.sleep(i)).catch((e: unknown) => e));
      await waitFor(() => rt.watcher.outstanding === 30, 120_000);
      await new Promise((r) => setTimeout(r, 1500)); // submissions done, the watcher settles into its cycle
      scripts.length = 0;
      const trips = s.roundTrips;
      await new Promise((r) => setTimeout(r, 4000));
      const cycles = s.roundTrips - trips;
      const status = scripts.filter((x) => x.includes("'qstat' '-xml'"));
      expect(cycles).toBeGreaterThan(0);
      expect(status.length).toBeGreaterThanOrEqual(cycles); // (a trip in flight at the end is counted by one side only)
      expect(status.length).toBeLessThanOrEqual(cycles + 1);
      for (const x of status) expect(x.split("'qstat' '-xml'").length - 1).toBe(1);
      expect(scripts.some((x) => x.includes("'qacct'"))).toBe(false);
      ac.abort();
      const outcomes = await Promise.all(calls);
      expect(outcomes.every((o) => o instanceof CancelledError)).toBe(true);
    } finally {
      (t as { exec: typeof exec }).exec = exec;
      ac.abort();
    }
  }, 240_000);
});

