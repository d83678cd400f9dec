// Scheduler knowledge stays at the edges: the kill lines in a job's stderr come from the scheduler (core knows only
// Node's own heap-limit line), whether Node can be checked before submitting is the transport's `canExec` (not its
// name), and a batch scheduler package may choose its dialect per cluster. Plus `outputs` through OutputsGate as
// an attaching process calls it: folders and input paths, nothing invented.
import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { JobFailedError, OutOfMemoryError, TimeLimitError, TransportError, type JobRef } from '@clustrix/core';
import { BatchScheduler, batchSchedulerFactory, LocalTransport, type Transport } from '@clustrix/core/scheduler';
import { fileQueueDialect } from './fixtures/file-queue-dialect.js';
import { OutputsGate } from '../src/exec/files/outputs.js';
import { checkNodeBeforeSubmit } from '../src/exec/files/node-check.js';
import type { ClusterRuntime } from '../src/exec/cluster/cluster-runtime.js';
import { collectTask } from '../src/exec/run/item-outcome.js';
import { collectOutcome } from '../src/exec/run/job-outcome.js';
import { StagingChecker } from '../src/transport/staging-trust.js';
import type { AttemptRecord, JobRecord } from '../src/registry/record.js';
import type { KillPatterns, SchedulerContext, TaskStatus } from '../src/scheduler/contract.js';

const tmp = (what: string) => mkdtempSync(join(tmpdir(), `clustrix-${what}-`));

/** A job folder that ended without a result: its exit code and the tail of its stderr. */
function endedJob(stderr: string, exitCode: number): JobRef {
  const jobDir = join(tmp('kill'), 'job');
  mkdirSync(jobDir, { recursive: true });
  writeFileSync(join(jobDir, 'exit_code'), `${exitCode}\n`);
  writeFileSync(join(jobDir, 'stderr'), stderr);
  return { jobId: 'j1', schedulerJobId: '41', jobDir };
}

const SCHED: KillPatterns = { memory: [/sched: killed for memory.*/], time: [/sched: killed at the time limit.*/] };
const FAILED: TaskStatus = { state: 'failed', schedulerState: 'FAILED', exitCode: 137 };

async function errorOf(ref: JobRef, killPatterns?: KillPatterns): Promise<unknown> {
  const outcome = await collectOutcome({ transport: new LocalTransport(), scheduler: 'sched', ref, ...(killPatterns ? { killPatterns } : {}) }, undefined, FAILED);
  expect(outcome.ok).toBe(false);
  return !outcome.ok && outcome.error;
}

describe("kill lines in a job's stderr come from its scheduler", () => {
  test("the scheduler's memory line makes an OutOfMemoryError naming it; without the scheduler's patterns it is an exit code", async () => {
    const ref = endedJob('working\nsched: killed for memory (used 3G of 2G)\n', 137);
    const err = await errorOf(ref, SCHED);
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect((err as Error).message).toMatch(/ran out of memory \(FAILED\): sched: killed for memory \(used 3G of 2G\)\. Raise `memory`/);
    expect(await errorOf(ref)).toBeInstanceOf(JobFailedError);
  });

  test("the scheduler's time line makes a TimeLimitError; another scheduler's words are not claimed", async () => {
    const ref = endedJob('sched: killed at the time limit of 60s\n', 137);
    const err = await errorOf(ref, SCHED);
    expect(err).toBeInstanceOf(TimeLimitError);
    expect((err as Error).message).toMatch(/exceeded its time limit \(FAILED\): sched: killed at the time limit of 60s\. Raise `time`/);
    const slurmLine = endedJob('slurmstepd: error: *** JOB 41 ON n1 CANCELLED AT 2026-12-01T06:00:00 DUE TO TIME LIMIT ***\n', 137);
    expect(await errorOf(slurmLine, SCHED)).toBeInstanceOf(JobFailedError);
  });

  test("a run's collect uses its cluster's scheduler's patterns", async () => {
    const ref = endedJob('sched: killed for memory\n', 137);
    const rt = (killPatterns?: KillPatterns) => ({ transport: new LocalTransport(), scheduler: { name: 'sched', ...(killPatterns ? { killPatterns } : {}) } }) as unknown as ClusterRuntime;
    const record = { id: 'j1', options: {}, attempts: [] } as unknown as JobRecord;
    const attempt: AttemptRecord = { n: 0, jobId: 'j1', jobDir: ref.jobDir, ref };
    expect(await collectTask(rt(SCHED), record, attempt, 0, FAILED, {})).toMatchObject({ ok: false, error: expect.any(OutOfMemoryError) });
    expect(await collectTask(rt(), record, attempt, 0, FAILED, {})).toMatchObject({ ok: false, error: expect.any(JobFailedError) });
  });

  test("Node's heap-limit line is core's: an OutOfMemoryError on any scheduler", async () => {
    const ref = endedJob('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n', 134);
    const err = await errorOf(ref, { memory: [], time: [] });
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect((err as Error).message).toMatch(/ran out of memory \(FAILED\): JavaScript heap out of memory\. Raise `memory`/);
  });
});

describe('the Node check and staging checks run where the transport can run commands (canExec)', () => {
  /** A transport that records the commands it is asked to run. */
  function recording(canExec: boolean, kind = 'ssh'): { transport: Transport; ran: string[][] } {
    const ran: string[][] = [];
    const local = new LocalTransport();
    const transport = Object.assign(Object.create(local) as LocalTransport, {
      canExec,
      kind, // the name does not decide
      exec: (argv: readonly string[]) => {
        ran.push([...argv]);
        return local.exec(argv);
      },
    });
    return { transport, ran };
  }

  test('a transport without canExec is not asked to run anything', async () => {
    const t = recording(false);
    await checkNodeBeforeSubmit(t.transport, 'k8s', { nodePath: '/nonexistent/node' });
    expect(t.ran).toEqual([]);
  });

  test('staged files are verified with one command only where the transport can run it, whatever its name', () => {
    expect(StagingChecker.supports(recording(false, 'local').transport)).toBe(false);
    expect(StagingChecker.supports(recording(true, 'anything').transport)).toBe(true);
  });

  test('with canExec, Node is checked through it (a missing node is a ConfigError naming the key)', async () => {
    const t = recording(true);
    await expect(checkNodeBeforeSubmit(t.transport, 'edge', { nodePath: '/nonexistent/node' })).rejects.toThrow(/no usable Node\.js on localhost.*clusters\.edge\.nodePath/s);
    expect(t.ran).toHaveLength(1);
    expect(t.ran[0]).toContain('/nonexistent/node');
  });
});

describe('batchSchedulerFactory with a dialect chosen per cluster', () => {
  const context = (profile: Record<string, unknown>): SchedulerContext => ({
    clusterName: 'c',
    profile: { scheduler: 'testsched', ...profile } as SchedulerContext['profile'],
    transport: new LocalTransport(),
    remoteRoot: '/tmp',
  });
  const chooser = (seen: unknown[]) =>
    batchSchedulerFactory({
      name: 'testsched',
      optionsShape: { queueFile: z.string().startsWith('/') },
      dialectFor: async (profile, ctx) => {
        seen.push({ profile, cluster: ctx.clusterName });
        return { ...fileQueueDialect(String(profile.queueFile)), variant: `reads ${String(profile.queueFile)}` };
      },
    });

  test("dialectFor gets the profile's own keys, validated, and the cluster; the scheduler speaks the dialect it returned", async () => {
    const seen: unknown[] = [];
    const factory = chooser(seen);
    expect(factory.name).toBe('testsched');
    const s = (await factory.create(context({ queueFile: '/q1', host: 'h' }))) as BatchScheduler;
    expect(seen).toEqual([{ profile: { queueFile: '/q1' }, cluster: 'c' }]);
    expect(s).toBeInstanceOf(BatchScheduler);
    expect(s.dialect.statusArgv(['1'])).toEqual([['cat', '/q1']]);
    expect(s.variant).toBe('reads /q1');
  });

  test('a bad profile key fails before the dialect is chosen', async () => {
    const seen: unknown[] = [];
    await expect(Promise.resolve().then(() => chooser(seen).create(context({ queueFile: 'relative' })))).rejects.toThrow(/queueFile|startsWith|"\/"/);
    expect(seen).toEqual([]);
  });

  test('a fixed dialect still gives its scheduler at once', () => {
    const s = batchSchedulerFactory(fileQueueDialect('/q2')).create(context({}));
    expect(s).toBeInstanceOf(BatchScheduler);
    expect((s as BatchScheduler).variant).toBeUndefined();
  });
});

describe('outputs of an attached job: the attempts\' folders and the input paths', () => {
  function attempts(): { dirs: string[]; out: string } {
    const root = tmp('outputs');
    const dirs = ['j1', 'j1-r1'].map((n) => join(root, 'jobs', n));
    for (const d of dirs) mkdirSync(d, { recursive: true });
    writeFileSync(join(dirs[0]!, 'a.txt'), 'from attempt 0');
    writeFileSync(join(dirs[0]!, 'only-first.txt'), 'first');
    writeFileSync(join(dirs[1]!, 'a.txt'), 'from attempt 1');
    writeFileSync(join(dirs[1]!, 'input.csv'), 'an input');
    return { dirs, out: join(root, 'out') };
  }

  test('every attempt is fetched, the last one wins; inputs are not fetched back; the items then settle as they were', async () => {
    const { dirs, out } = attempts();
    const gate = new OutputsGate(['*.txt', '*.csv']);
    await gate.fetch(new LocalTransport(), { jobId: 'j1', jobDirs: dirs, outputDir: out, succeeded: true, inputs: ['input.csv'] });
    expect(readFileSync(join(out, 'a.txt'), 'utf8')).toBe('from attempt 1');
    expect(readFileSync(join(out, 'only-first.txt'), 'utf8')).toBe('first');
    expect(gate.written.map((p) => p.slice(out.length + 1))).toEqual(['a.txt']);
    expect(await gate.apply({ ok: true, value: 1 })).toEqual({ ok: true, value: 1 });
  });

  test('a named output the completed job did not write turns a success into the fetch error; a failure stays', async () => {
    const { dirs, out } = attempts();
    const gate = new OutputsGate(['missing.txt']);
    await gate.fetch(new LocalTransport(), { jobId: 'j1', jobDirs: dirs, outputDir: out, succeeded: true, inputs: [] });
    const settled = await gate.apply({ ok: true, value: 1 });
    expect(settled.ok).toBe(false);
    expect(!settled.ok && settled.error).toBeInstanceOf(TransportError);
    expect(!settled.ok && (settled.error as Error).message).toMatch(/job j1 finished but did not write the output 'missing\.txt'/);
    const failure = { ok: false as const, error: new Error('the method threw') };
    expect(await gate.apply(failure)).toBe(failure);
  });

  test('patterns outside the job folder are refused when the gate is made (before anything is submitted)', () => {
    expect(() => new OutputsGate(['../escape.txt'])).toThrow(/outputs: '\.\.\/escape\.txt' must be a path or glob inside the job folder/);
  });
});
