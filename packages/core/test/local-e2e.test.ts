import { describe, expect, test, afterAll } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, JobFailedError, SerializationError, TimeLimitError, configure, shutdown, withOptions, submit } from '@clustrix/core';
import { Point, ValidationError, Worker } from './fixtures/jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-e2e-'));
configure({ remoteRoot: join(root, 'remote') }, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
afterAll(() => shutdown());

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local scheduler, end to end', () => {
  const w = new Worker('w1');

  test('returns the result from another process with the instance state', async () => {
    const r = await w.echo({ when: new Date(0), tags: new Set(['a']), big: 2n ** 70n });
    expect(r.label).toBe('w1');
    expect(r.inJob).toBe(true);
    expect(r.pid).not.toBe(process.pid);
    expect(r.value.when).toEqual(new Date(0));
    expect(r.value.tags).toEqual(new Set(['a']));
    expect(r.value.big).toBe(2n ** 70n);
  });

  test('static methods run too', async () => {
    await expect(Worker.add(2, 3)).resolves.toBe(5);
  });

  test('registered classes cross both ways as instances', async () => {
    const far = await w.farthest([new Point(1, 1), new Point(3, 4), new Point(0, 2)]);
    expect(far).toBeInstanceOf(Point);
    expect(far.norm()).toBe(5);
  });

  test('a decorated method called inside a job runs directly', async () => {
    await expect(w.nested(7)).resolves.toEqual({ value: 7, samePid: true });
  });

  test('a thrown custom error comes back with its class, message, fields and remote stack', async () => {
    const err = await w.fail('email').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    const v = err as ValidationError & { remoteStack: string };
    expect(v.message).toBe('bad email');
    expect(v.name).toBe('ValidationError');
    expect(v.field).toBe('email');
    expect(v.remoteStack).toContain('fixtures/jobs.ts');
    expect(v.stack).toContain('[clustrix] thrown in job');
  });

  test.each(['TypeError', 'RangeError', 'Error'] as const)('a remote %s comes back as that built-in class, with the job ids', async (kind) => {
    const h = await submit(() => w.throwBuiltin(kind));
    const err = (await h.result().catch((e: unknown) => e)) as Error & Record<string, unknown>;
    expect(Object.getPrototypeOf(err)).toBe({ TypeError, RangeError, Error }[kind].prototype);
    expect(err.message).toBe(`a ${kind} from the job`);
    expect(err.detail).toBe(42);
    expect(err.jobId).toBe(h.id);
    expect(err.schedulerJobId).toBe((await h.submitted()).schedulerJobId);
    expect(err.stack).toContain('[clustrix] thrown in job');
  });

  test('process.exit(3) is a JobFailedError with the exit code', async () => {
    const err = await w.exit(3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect((err as JobFailedError).exitCode).toBe(3);
    expect((err as Error).message).toMatch(/exited with code 3/);
  });

  test('a time limit exceeded is a TimeLimitError', async () => {
    const err = await withOptions({ time: 1 }, () => w.sleep(20_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeLimitError);
    expect((err as TimeLimitError).jobId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{8}$/);
  }, 20_000);

  test('an AbortSignal cancels the job and the child is gone', async () => {
    const pidFile = join(root, 'pid');
    const ac = new AbortController();
    const p = withOptions({ signal: ac.signal }, () => w.writePid(pidFile, 60_000));
    for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 25));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(true);
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(pid)).toBe(false);
  }, 20_000);

  test('an argument that cannot cross fails before anything runs, naming its path', () => {
    const call = () => w.echo({ onDone: () => 1 });
    return expect(call()).rejects.toThrow(new SerializationError('[clustrix] [serialize] args[0].onDone is a function', { path: 'args[0].onDone' }));
  });

  test('a result that cannot cross is an error naming the path', async () => {
    const err = await w.returnsFunction().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/result\.callback is a function/);
  });

  test('submit() gives a handle with id, state and result', async () => {
    const h = await submit(() => w.sleep(50));
    expect(h.id).toMatch(/^\d{8}-/);
    const pid = await h.result();
    expect(pid).toBeGreaterThan(0);
    expect(h.state).toBe('completed');
  });
});
