// What each job used: the runner's own figures on the local scheduler (record and handle), the batched
// usage query of batch schedulers, the merge of both, and the summary `clustrix status` prints.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachBatch, configure, map, shutdown, submit } from '@clustrix/core';
import { getJob, summarizeUsage } from '@clustrix/core/jobs';
import type { CommandOutput, UsageReport } from '@clustrix/core/scheduler';
import { UsageQueries } from '../src/batch/usage.js';
import { mergeUsage } from '../src/exec/run/usage-ledger.js';
import { PROTOCOL_VERSION, serialize } from '@clustrix/wire';
import { collectOutcome } from '../src/exec/run/job-outcome.js';
import { UsageLedger } from '../src/exec/run/usage-ledger.js';
import { LocalTransport } from '../src/transport/local.js';
import { Worker } from './fixtures/jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-usage-'));
configure({ remoteRoot: join(root, 'remote') }, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
afterAll(() => shutdown());

describe('usage on the local scheduler (the runner measures itself)', () => {
  const w = new Worker('u');

  test("a finished job's handle and registry record carry its elapsed time, CPU time and peak memory", async () => {
    const h = await submit(() => w.spin(200));
    await h.result();
    const used = await h.usage();
    expect(used?.source).toBe('runner');
    expect(used!.maxRssBytes).toBeGreaterThan(0);
    expect(used!.cpuMs).toBeGreaterThanOrEqual(0);
    expect(used!.elapsedMs).toBeGreaterThan(0);
    // the spin burnt CPU in the job's own process: its CPU time is counted
    expect(used!.cpuMs).toBeGreaterThan(0);
    const record = await getJob(h.id);
    expect(record.usage?.['0']).toEqual(used);
  });

  test('a job that threw reports its usage too (from its error file)', async () => {
    const h = await submit(() => w.fail('x'));
    await h.result().catch(() => undefined);
    expect((await h.usage())?.maxRssBytes).toBeGreaterThan(0);
  });

  test("a map: every item has its own figures on the array job's handle, and the record one entry per item", async () => {
    const batch = map([0, 1, 2], (i) => w.echo(i));
    await batch;
    expect(batch.jobs).toHaveLength(1); // one array job
    const all = await Promise.all([0, 1, 2].map((i) => batch.jobs[0]!.usage(i)));
    for (const u of all) expect(u?.elapsedMs).toBeGreaterThan(0);
    expect(await batch.jobs[0]!.usage(3)).toBeUndefined(); // no such item
    const record = await getJob(batch.jobs[0]!.id);
    expect(Object.keys(record.usage ?? {}).sort()).toEqual(['0', '1', '2']);
    expect(summarizeUsage(record)).toMatchObject({ reported: 3, items: 3, sources: ['runner'] });
  });
});

describe('Batch.usage(): every item in input order', () => {
  const w = new Worker('b');

  test('a map over two methods (two jobs): each item gets its own job\'s figures at its input index', async () => {
    const batch = map([0, 1, 2, 3], (i): Promise<unknown> => (i % 2 ? w.spin(50) : w.echo(i)));
    await batch;
    expect(batch.jobs).toHaveLength(2);
    const used = await batch.usage();
    expect(used).toHaveLength(4);
    for (const u of used) expect(u?.elapsedMs).toBeGreaterThan(0);
    // item 1 is the spin job's item 0, item 2 the echo job's item 1
    const methods = await Promise.all(batch.jobs.map(async (j) => (await getJob(j.id)).target.method));
    const spinJob = batch.jobs[methods.indexOf('spin')]!;
    const echoJob = batch.jobs[methods.indexOf('echo')]!;
    expect(used[1]).toEqual(await spinJob.usage(0));
    expect(used[2]).toEqual(await echoJob.usage(1));
    expect(used[1]).not.toEqual(used[2]);
  });

  test('an attached batch reads the same figures from the registry', async () => {
    const batch = map([5, 6], (i) => w.echo(i));
    const used = await batch.usage();
    const again = await attachBatch(batch.jobs[0]!.id).usage();
    expect(again).toEqual(used);
    expect(again.map((u) => u?.source)).toEqual(['runner', 'runner']);
  });
});

describe('the usage query of a batch scheduler', () => {
  const dialect = {
    name: 'fake',
    // a real command, run by a real `sh -s`: echo stands in for sacct
    usageArgv: (ids: readonly string[]) => [['echo', 'acct', ...ids]],
    parseUsage: (outputs: readonly CommandOutput[], ids: readonly string[]) =>
      new Map<string, UsageReport>(ids.filter((id) => outputs[0]!.stdout.includes(`acct ${ids.join(' ')}`)).map((id) => [id, { job: { elapsedMs: Number(id), source: 'fake' } }])),
  };
  /** A transport running the round trip's script in a local `sh -s`, keeping each script. */
  const transport = () => {
    const scripts: string[] = [];
    return {
      scripts,
      exec: async (argv: string[], options?: { stdin?: string }) => {
        scripts.push(options!.stdin!);
        const stdout = execFileSync(argv[0]!, argv.slice(1), { input: options!.stdin!, encoding: 'utf8' });
        return { stdout, stderr: '', code: 0 };
      },
    };
  };

  test('jobs that end together share ONE query; a later end makes another', async () => {
    const t = transport();
    const q = new UsageQueries(dialect, t, 20);
    const [a, b] = await Promise.all([q.ask(['11']), q.ask(['12', '11'])]);
    expect(q.trips).toBe(1);
    expect(t.scripts).toHaveLength(1);
    expect(t.scripts[0]).toContain("'echo' 'acct' '11' '12'");
    expect(a).toBe(b);
    expect(a.get('12')?.job?.elapsedMs).toBe(12);
    await q.ask(['13']);
    expect(q.trips).toBe(2);
  });

  test('a query that hangs is given up after its timeout, answering nothing', async () => {
    const hanging = {
      exec: (_argv: string[], options?: { signal?: AbortSignal }) =>
        new Promise<never>((_, reject) => options!.signal!.addEventListener('abort', () => reject(new Error('aborted')))),
    };
    const q = new UsageQueries(dialect, hanging, 1, 50);
    await expect(q.ask(['1'])).resolves.toEqual(new Map());
  });

  test('a failed query answers nothing (usage never fails a job); a dialect without usage asks nothing', async () => {
    const q = new UsageQueries(dialect, { exec: async () => ({ stdout: '', stderr: 'boom', code: 255 }) }, 1);
    await expect(q.ask(['1'])).resolves.toEqual(new Map());
    const none = new UsageQueries({ name: 'none' }, { exec: async () => Promise.reject(new Error('not asked')) }, 1);
    await expect(none.ask(['1'])).resolves.toEqual(new Map());
    expect(none.trips).toBe(0);
  });
});

describe('merging and summarizing', () => {
  test("the scheduler's figures win, except a zero from a coarse clock or sampler; the runner fills the rest", () => {
    const runner = { elapsedMs: 420, cpuMs: 300, maxRssBytes: 50e6, source: 'runner' };
    expect(mergeUsage(runner, { elapsedMs: 0, cpuMs: 1000, cpus: 2, source: 'pbs' })).toEqual({ elapsedMs: 420, cpuMs: 1000, maxRssBytes: 50e6, cpus: 2, source: 'pbs+runner' });
    expect(mergeUsage(runner, { elapsedMs: 1000, cpuMs: 310, maxRssBytes: 60e6, source: 'slurm' })).toEqual({ elapsedMs: 1000, cpuMs: 310, maxRssBytes: 60e6, source: 'slurm' });
    expect(mergeUsage(undefined, undefined)).toBeUndefined();
    expect(mergeUsage(runner, undefined)).toBe(runner);
  });

  test('min / median / max over items, efficiency against the request, and hints under a quarter', () => {
    const usage = Object.fromEntries(
      [1, 2, 3, 4].map((i) => [String(i - 1), { elapsedMs: i * 60_000, cpuMs: i * 30_000, maxRssBytes: i * 100 * 1024 ** 2, source: 'slurm' }]),
    );
    const s = summarizeUsage({ usage, items: 4, options: { cpus: 1, memory: '4G', time: '1h' } })!;
    expect(s.elapsedMs).toEqual({ min: 60_000, median: 150_000, max: 240_000 });
    expect(s.cpuEfficiency).toEqual({ min: 0.5, median: 0.5, max: 0.5 });
    expect(s.memoryEfficiency!.max).toBeCloseTo(400 / 4096);
    expect(s.timeEfficiency!.max).toBeCloseTo(4 / 60);
    expect(s.hints).toEqual([
      "it used under a quarter of the memory it asked for (4G): `memory: '640M'` would do",
      "it used under a quarter of the time it asked for (1h): `time: '6m'` would do, and may start sooner",
    ]);
    // used most of what it asked for: no hint
    expect(summarizeUsage({ usage, items: 4, options: { memory: '500M', time: '5m' } })!.hints).toEqual([]);
    expect(summarizeUsage({ items: 4, options: {} })).toBeUndefined();
  });
});

describe('a runner older than the usage field', () => {
  test('its result file still reads; the item simply has no figures (and a scheduler-less cluster records none)', async () => {
    const jobDir = join(root, 'old-runner-job');
    mkdirSync(jobDir);
    const stamp = { host: 'n1', startedAt: new Date(0).toISOString(), finishedAt: new Date(1).toISOString() };
    writeFileSync(join(jobDir, 'result.json'), JSON.stringify({ protocol: PROTOCOL_VERSION, value: serialize(42), ...stamp }));
    const ref = { jobId: 'old', schedulerJobId: '1', jobDir };
    const outcome = await collectOutcome({ transport: new LocalTransport(), scheduler: 'local', ref }, undefined, { state: 'completed' });
    expect(outcome).toEqual({ ok: true, value: 42 });
    const ledger = new UsageLedger();
    ledger.note(0, outcome);
    const rt = { scheduler: { name: 'local' } } as never;
    await expect(ledger.ended(rt, { n: 0, jobId: 'old', jobDir, ref }, [0], false)).resolves.toEqual({});
    // a new runner's file carries it
    const usage = { elapsedMs: 5, cpuMs: 1, maxRssBytes: 4096, source: 'runner' };
    writeFileSync(join(jobDir, 'result.json'), JSON.stringify({ protocol: PROTOCOL_VERSION, value: serialize(42), ...stamp, usage }));
    const fresh = await collectOutcome({ transport: new LocalTransport(), scheduler: 'local', ref }, undefined, { state: 'completed' });
    expect(fresh).toEqual({ ok: true, value: 42, usage });
  });
});
