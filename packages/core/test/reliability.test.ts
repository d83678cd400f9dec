// Jobs that outlive their process, retries, checkpoints, call keys and events — on the local
// scheduler, with real child processes (the submitting process too: it is SIGKILLed for real).
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BatchError,
  ClustrixError,
  attach,
  attachBatch,
  configure,
  map,
  onJobEvent,
  shutdown,
  submit,
  withOptions,
  type JobEvent,
} from '@clustrix/core';
import { cancelJob, getJob, listJobs } from '@clustrix/core/jobs';
import { JobRegistry } from '../src/registry/store.js';
import { Counter, FlakyError, Unreliable } from './fixtures/reliability-jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-rel-'));
const CONFIG = { remoteRoot: join(root, 'remote'), registryDir: join(root, 'registry'), clusters: { local: { scheduler: 'local', concurrency: 8, pollMinMs: 50, pollMaxMs: 300 } } };
configure(CONFIG, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
afterAll(() => shutdown());

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const child = join(here, 'fixtures', 'submit-child.ts');

/** Start the submitting child; resolves with it and the first JSON line it prints. */
function startChild(args: string[]): Promise<{ pid: number; first: Record<string, unknown>; done: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', child, ...args], {
      cwd: repo,
      env: { ...process.env, CLUSTRIX_TEST_CONFIG: JSON.stringify(CONFIG), CLUSTRIX_TEST_HOME: root, CLUSTRIX_NO_PROGRESS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const done = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve({ pid: p.pid!, first: JSON.parse(line!) as Record<string, unknown>, done });
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => {
      if (!out.includes('\n')) reject(new Error(`child exited ${code} before printing: ${err}`));
    });
  });
}

const u = new Unreliable();

describe('a job outlives the process that submitted it', () => {
  test('SIGKILL the submitter: attach() from this process gets the result; the registry knows the job', async () => {
    const { pid, first, done } = await startChild(['single', '41', '2500']);
    process.kill(pid, 'SIGKILL');
    expect(await done).toBe(null);
    const jobId = first.jobId as string;
    const before = await getJob(jobId);
    expect(before.owner.pid).toBe(pid);
    expect(before.attempts[0]!.ref!.extra!.pid).toEqual(expect.any(Number));
    const r = await attach<{ value: number; pid: number; jobId: string }>(jobId);
    expect(r.value).toBe(41);
    expect(r.jobId).toBe(jobId);
    const after = await getJob(jobId.slice(-8)); // a unique part of the id is enough
    expect(after.state).toBe('completed');
    expect(after.outcome).toEqual({ succeeded: 1, failed: 0 });
  }, 60_000);

  test('the submitter killed while taking its record\'s lock (an empty lock file left behind): attach() still ends the record', async () => {
    const { pid, first, done } = await startChild(['single', '43', '300']);
    process.kill(pid, 'SIGKILL');
    await done;
    const jobId = first.jobId as string;
    // what a process killed between creating the lock file and writing its pid into it left (the race, injected)
    const lock = join(CONFIG.registryDir, 'locks', `${jobId}.lock`);
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const r = await attach<{ value: number }>(jobId);
    expect(r.value).toBe(43);
    const after = await getJob(jobId);
    expect(after).toMatchObject({ state: 'completed', outcome: { succeeded: 1, failed: 0 } });
    expect(after.endedAt).toEqual(expect.any(String));
    expect(after.attempts[0]).toMatchObject({ state: 'completed', endedAt: expect.any(String) });
  }, 60_000);

  test('a job that ended while no process watched it: a refresh ends its record with an end time, and a later result leaves it so', async () => {
    const { pid, first, done } = await startChild(['single', '44', '0']);
    process.kill(pid, 'SIGKILL');
    await done;
    const jobId = first.jobId as string;
    let record = await getJob(jobId);
    for (let i = 0; i < 200 && ['pending', 'running', 'unknown', 'submitting', 'preparing'].includes(record.state); i++) {
      await new Promise((r) => setTimeout(r, 100));
      record = (await listJobs({ refresh: true })).find((r) => r.id === jobId)!;
    }
    expect(record.state).not.toMatch(/^(pending|running|unknown|submitting|preparing)$/);
    expect(record.endedAt).toEqual(expect.any(String));
    expect(record.attempts[0]).toMatchObject({ state: record.state, endedAt: record.endedAt });
    await attach(jobId).catch(() => undefined);
    const after = await getJob(jobId);
    expect({ state: after.state, endedAt: after.endedAt }).toEqual({ state: record.state, endedAt: record.endedAt });
  }, 60_000);

  test('the array form: attachBatch() of a map whose submitter was killed, item by item', async () => {
    const { pid, first, done } = await startChild(['map', '4', '1500']);
    process.kill(pid, 'SIGKILL');
    await done;
    const batch = attachBatch<{ value: number }>(first.jobId as string);
    const seen: number[] = [];
    for await (const r of batch) {
      expect(r.status).toBe('fulfilled');
      seen.push(r.index);
    }
    expect(seen.sort()).toEqual([0, 1, 2, 3]);
    expect((await batch).map((r) => r.value)).toEqual([0, 1, 2, 3]);
    expect(batch.size).toBe(4);
  }, 60_000);

  test('an unknown id is a clear error', async () => {
    await expect(attach('29991231-000000-deadbeef')).rejects.toThrow(/no job '29991231-000000-deadbeef' in the registry at .*registry/);
  });

  test('cancelJob() kills a job whose submitter is gone', async () => {
    const pidFile = join(root, 'hold.pid');
    const p = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', '-e', `
      import { configure, submit } from '@clustrix/core';
      import { Unreliable } from ${JSON.stringify(join(here, 'fixtures', 'reliability-jobs.ts'))};
      configure(JSON.parse(process.env.CLUSTRIX_TEST_CONFIG), { cwd: ${JSON.stringify(root)}, env: {}, home: ${JSON.stringify(root)} });
      const h = await submit(() => new Unreliable().hold(${JSON.stringify(pidFile)}, 60000));
      await h.submitted();
      console.log(JSON.stringify({ jobId: h.id }));
      process.kill(process.pid, 'SIGKILL');`], { cwd: repo, env: { ...process.env, CLUSTRIX_TEST_CONFIG: JSON.stringify(CONFIG) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => p.on('exit', r));
    const { jobId } = JSON.parse(out.trim()) as { jobId: string };
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(() => process.kill(pid, 0)).not.toThrow();
    const record = await cancelJob(jobId);
    expect(record.state).toBe('cancelled');
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  }, 60_000);
});

describe('retries', () => {
  test('a runner killed before writing anything is retried, in a folder of its own', async () => {
    const marker = join(root, 'die-once');
    const events: JobEvent[] = [];
    const off = onJobEvent((e) => events.push(e));
    const h = await submit(() => u.dieOnce(marker, 7), { retries: 2, retryDelay: 1 });
    const r = await h.result();
    off();
    expect(r.value).toBe(7);
    expect(r.jobId).toBe(`${h.id}-r1`);
    const record = await getJob(h.id);
    expect(record.attempts.map((a) => [a.n, a.jobId, a.retried])).toEqual([
      [0, h.id, undefined],
      [1, `${h.id}-r1`, [0]],
    ]);
    expect(record.attempts[0]!.state).toBe('failed');
    expect(record.state).toBe('completed');
    const retry = events.find((e) => e.type === 'retry' && e.jobId === h.id);
    expect(retry).toMatchObject({ type: 'retry', attempt: 1, indices: [0] });
    expect((retry as { reason: string }).reason).toMatch(/killed by signal 9/);
    expect(events.filter((e) => e.jobId === h.id).map((e) => e.type)).toEqual(expect.arrayContaining(['submitted', 'state', 'item', 'done']));
  }, 60_000);

  test("the method's own exception is not retried, unless retryOn names it", async () => {
    const err = await withOptions({ retries: 3, retryDelay: 1 }, () => u.flakyOnce(join(root, 'flaky-a'), 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlakyError);
    await expect(withOptions({ retries: 3, retryDelay: 1, retryOn: ['FlakyError'] }, () => u.flakyOnce(join(root, 'flaky-b'), 2))).resolves.toBe(2);
  }, 60_000);

  test('retries: 0 (the default) gives the failure as it is', async () => {
    const err = await u.dieOnce(join(root, 'die-no-retry'), 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClustrixError);
    expect((err as ClustrixError).exitCode).toBe(137);
  }, 30_000);

  test('in an array only the failed items go again', async () => {
    const items = [0, 1, 2, 3, 4];
    writeFileSync(join(root, 'used'), ''); // even items find their marker taken: they never die
    const batch = map(items, (i) => u.dieOnce(join(root, i % 2 ? `arr-${i}` : 'used'), i * 10), { retries: 1, retryDelay: 1 });
    const results = await batch.settled();
    const record = await getJob(batch.jobs[0]!.id);
    expect(record.attempts).toHaveLength(2);
    expect(record.attempts[1]!.indices).toEqual([1, 3]);
    expect(record.attempts[1]!.retried).toEqual([1, 3]);
    expect(results.map((r) => r.status)).toEqual(items.map(() => 'fulfilled'));
    expect(results.map((r) => (r as { value: { value: number } }).value.value)).toEqual(items.map((i) => i * 10));
  }, 60_000);
});

describe('checkpoint()', () => {
  test('a job past its time limit is resumed from the state checkpoint() returned, and finishes', async () => {
    const c = new Counter();
    // the first attempt cannot finish: only a resume lets it, so the checkpoint is certain, not a race with the clock
    const h = await submit(() => c.countUntilResumed(3, 50), { time: 4 });
    const r = await h.result();
    expect(r.resumes).toBeGreaterThanOrEqual(1);
    expect(r.checkpointedAt).toHaveLength(r.resumes);
    expect(r.checkpointedAt).toEqual([...r.checkpointedAt].sort((a, b) => a - b));
    expect(r.step).toBeGreaterThanOrEqual(Math.max(3, r.checkpointedAt.at(-1)!)); // it went on from the state, not from 0
    const record = await getJob(h.id);
    expect(record.attempts.length).toBe(r.resumes + 1);
    expect(record.attempts.slice(1).every((a) => a.resumed?.[0] === 0)).toBe(true);
    expect(record.options.checkpoints).toBe(3);
  }, 90_000);

  test('with checkpoints: 0 the time limit ends the job', async () => {
    const err = await withOptions({ time: 2, checkpoints: 0 }, () => new Counter().count(100, 100)).catch((e: unknown) => e);
    expect((err as Error).name).toBe('TimeLimitError');
  }, 30_000);
});

describe('call keys', () => {
  test('the same key and arguments reuse the job; other arguments are an error', async () => {
    const a = await submit(() => u.slowValue(5, 300), { key: 'k-same' });
    const b = await submit(() => u.slowValue(5, 300), { key: 'k-same' });
    expect(b.id).toBe(a.id);
    expect((await b.result()).value).toBe(5);
    expect((await a.result()).value).toBe(5);
    const all = await listJobs();
    expect(all.filter((r) => r.key === 'k-same')).toHaveLength(1);
    await expect(withOptions({ key: 'k-same' }, () => u.slowValue(6, 0))).rejects.toThrow(/key 'k-same' already names job .* with other arguments/);
  }, 30_000);

  test('a key held by a failed job submits again', async () => {
    const err = await withOptions({ key: 'k-fail' }, () => u.flakyOnce(join(root, 'flaky-k'), 3)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlakyError);
    await expect(withOptions({ key: 'k-fail' }, () => u.flakyOnce(join(root, 'flaky-k'), 3))).resolves.toBe(3);
    expect((await listJobs()).filter((r) => r.key === 'k-fail')).toHaveLength(2);
  }, 30_000);

  test('a bad key is refused before anything runs', () => {
    expect(() => withOptions({ key: 'a\nb' }, () => u.slowValue(1, 0))).toThrow(/key: expected no control characters/);
  });

  test('a map with a key, run again, attaches to the same array job', async () => {
    const first = map([1, 2, 3], (x) => u.slowValue(x, 100), { key: 'k-map' });
    await first;
    const again = map([1, 2, 3], (x) => u.slowValue(x, 100), { key: 'k-map' });
    expect((await again).map((r) => r.value)).toEqual([1, 2, 3]);
    expect(again.jobs[0]!.id).toBe(first.jobs[0]!.id);
  }, 30_000);
});

describe('the registry under load', () => {
  test('two processes writing 200 records each (and updating one shared record) lose nothing', async () => {
    const dir = join(root, 'registry-load');
    const registry = new JobRegistry(dir);
    const now = new Date().toISOString();
    await registry.create({
      v: 1, id: 'shared', cluster: 'local', scheduler: 'local', profile: {}, target: { className: 'C', method: 'm', static: false },
      options: {}, command: [], items: 0, state: 'pending', createdAt: now, updatedAt: now, owner: { pid: process.pid, host: 'h' }, attempts: [], rev: 0,
    });
    const run = (prefix: string) =>
      new Promise<string>((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'registry-child.ts'), dir, prefix, '200', 'shared'], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`registry child exited ${code}`))));
      });
    await Promise.all([run('a'), run('b')]);
    const ids = await registry.ids();
    expect(ids.filter((id) => id.startsWith('a-'))).toHaveLength(200);
    expect(ids.filter((id) => id.startsWith('b-'))).toHaveLength(200);
    expect((await registry.read('shared'))!.items).toBe(400);
    expect(readdirSync(join(dir, 'jobs')).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(readdirSync(join(dir, 'locks'))).toEqual([]);
  }, 120_000);

  test('a BatchError from attach() of an array with a failed item', async () => {
    writeFileSync(join(root, 'arr-flaky-0'), '');
    const batch = map([0, 1], (i) => u.flakyOnce(join(root, `arr-flaky-${i}`), i));
    await batch.settled();
    const err = await attach(batch.jobs[0]!.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatchError);
    expect((err as BatchError).results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
  }, 30_000);
});
