// The SshScheduler class driving real processes through the local transport (the same scripts it
// runs over SSH): the CPU cap and its queue, one status command per poll, cancel, arrays, push.
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SubmitError, TransportError, type JobRef, type JobStatus } from '@clustrix/core';
import { LocalTransport, type ExecOptions, type ExecResult, type SubmitRequest } from '@clustrix/core/scheduler';
import { SshScheduler } from '@clustrix/schedulers-ssh';

/** The local transport, counting the scripts it runs (argv[3] is the script's $0: clustrix-status, ...). */
class CountingTransport extends LocalTransport {
  readonly scripts: string[] = [];
  override exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    this.scripts.push(argv[3] ?? argv[0]!);
    return super.exec(argv, options);
  }
  count(name: string): number {
    return this.scripts.filter((s) => s === name).length;
  }
}

/** Drops the connection on the first `drops` launch commands, like an SSH link going down. */
class DroppingTransport extends CountingTransport {
  constructor(private drops: number) {
    super();
  }
  override exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    if (argv[3] === 'clustrix-launch' && this.drops > 0) {
      this.drops--;
      this.scripts.push('dropped');
      return Promise.reject(new TransportError('connection lost', { scope: 'ssh' }));
    }
    return super.exec(argv, options);
  }
}

const root = mkdtempSync(join(tmpdir(), 'clustrix-ssh-sched-'));
const facts = { cpus: 2, has: new Set(['setsid', 'timeout']), os: 'Linux' };
const made: SshScheduler[] = [];
let n = 0;

function scheduler(t = new CountingTransport(), concurrency?: number): { s: SshScheduler; t: CountingTransport } {
  const s = new SshScheduler({ transport: t, remoteRoot: root, clusterName: 'x', facts, ...(concurrency ? { concurrency } : {}), killGraceSeconds: 1 });
  made.push(s);
  return { s, t };
}

function request(script: string, extra: Partial<SubmitRequest> = {}): SubmitRequest {
  const jobId = `j${++n}`;
  return { jobId, jobDir: `${root}/jobs/${jobId}`, command: ['/bin/sh', '-c', script], options: {}, ...extra };
}

async function settle(s: SshScheduler, refs: JobRef[], seen?: (m: Map<string, JobStatus>) => void): Promise<Map<string, JobStatus>> {
  for (let i = 0; i < 400; i++) {
    const m = await s.status(refs);
    seen?.(m);
    if (refs.every((r) => ['completed', 'failed', 'cancelled', 'timeout', 'lost'].includes(m.get(r.jobId)?.state ?? ''))) return m;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('jobs did not end');
}

afterAll(async () => {
  for (const s of made) await s.close();
});

describe('SshScheduler over real processes', () => {
  test('at most `concurrency` CPUs at once; the rest wait FIFO; one status command per status() call', async () => {
    const { s, t } = scheduler(undefined, 2);
    const refs: JobRef[] = [];
    for (let i = 0; i < 5; i++) refs.push(await s.submit(request('sleep 0.3')));
    expect(s.load).toEqual({ used: 2, queued: 3 });
    let most = 0;
    let calls = 0;
    const before = t.count('clustrix-status');
    const final = await settle(s, refs, (m) => {
      calls++;
      most = Math.max(most, [...m.values()].filter((v) => v.state === 'running').length);
    });
    expect(most).toBeLessThanOrEqual(2);
    expect(most).toBeGreaterThan(0);
    expect(t.count('clustrix-status') - before).toBe(calls);
    expect([...final.values()].map((v) => v.state)).toEqual(['completed', 'completed', 'completed', 'completed', 'completed']);
    expect(refs.every((r) => /^\d+$/.test(r.schedulerJobId))).toBe(true); // the process group id, once launched
    expect(s.load).toEqual({ used: 0, queued: 0 });
  }, 30_000);

  test('a job asking for more CPUs than the host runs at once is refused at submit', async () => {
    const { s } = scheduler(undefined, 2);
    await expect(s.submit(request('true', { options: { cpus: 3 } }))).rejects.toThrow(SubmitError);
    await expect(s.submit(request('true', { options: { cpus: 3 } }))).rejects.toThrow(/cpus=3 .* runs 2 at once .*clusters\.x\.concurrency/);
  });

  test('a job folder outside <remoteRoot>/jobs is refused', async () => {
    const { s } = scheduler();
    await expect(s.submit({ ...request('true'), jobDir: '/elsewhere/j' })).rejects.toThrow(/is not <remoteRoot>\/jobs\/<jobId>/);
  });

  test('cancel: a queued job never starts, a running one is killed; both end cancelled', async () => {
    const { s, t } = scheduler(undefined, 1);
    const running = await s.submit(request('sleep 30'));
    const queued = await s.submit(request('echo never >ran'));
    expect(s.load).toEqual({ used: 1, queued: 1 });
    for (let i = 0; i < 200 && (await s.status([running])).get(running.jobId)?.state !== 'running'; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await s.status([running])).get(running.jobId)?.state).toBe('running');
    await s.cancel([running, queued]);
    expect(t.count('clustrix-cancel')).toBe(1);
    const m = await settle(s, [running, queued]);
    expect(m.get(running.jobId)).toMatchObject({ state: 'cancelled', schedulerState: 'CANCELLED' });
    expect(m.get(queued.jobId)).toMatchObject({ state: 'cancelled', reason: 'cancelled before it started' });
    const ran = await t.exec(['test', '-e', `${queued.jobDir}/ran`]);
    expect(ran.code).toBe(1);
  }, 30_000);

  test('another process (a new scheduler) reads a job it did not start from the job folder', async () => {
    const { s } = scheduler();
    const ref = await s.submit(request('exit 4'));
    await settle(s, [ref]);
    const { s: other } = scheduler();
    const m = await other.status([{ ...ref, schedulerJobId: ref.schedulerJobId }]);
    expect(m.get(ref.jobId)).toMatchObject({ state: 'failed', exitCode: 4 });
  }, 30_000);

  test('an array with concurrency 1 runs its tasks one at a time, each with its index', async () => {
    const { s } = scheduler(undefined, 2);
    const req = request('echo "$CLUSTRIX_ARRAY_INDEX" >"idx.$CLUSTRIX_ARRAY_INDEX"; sleep 0.2', { count: 3, concurrency: 1 });
    const ref = await s.submit(req);
    expect(s.load).toEqual({ used: 1, queued: 2 });
    let most = 0;
    const m = await settle(s, [ref], (x) => {
      const tasks = [...(x.get(ref.jobId)?.tasks?.values() ?? [])];
      most = Math.max(most, tasks.filter((v) => v.state === 'running').length);
    });
    expect(most).toBeLessThanOrEqual(1);
    expect([...m.get(ref.jobId)!.tasks!.entries()].map(([i, v]) => [i, v.state])).toEqual([
      [0, 'completed'],
      [1, 'completed'],
      [2, 'completed'],
    ]);
  }, 30_000);

  test('a launch lost with the connection puts the tasks back at the head of the queue, CPUs freed; the next poll launches them', async () => {
    const { s, t } = scheduler(new DroppingTransport(1), 2);
    const first = await s.submit(request('exit 0', { count: 2 }));
    expect(t.scripts).toEqual(['dropped']);
    expect(s.load).toEqual({ used: 0, queued: 2 });
    const m = await settle(s, [first]);
    expect(m.get(first.jobId)?.state).toBe('completed');
    expect(t.scripts.filter((x) => x === 'clustrix-launch')).toHaveLength(1); // both tasks, in one launch, after the drop
    expect(s.load).toEqual({ used: 0, queued: 0 });
  }, 30_000);

  test('push: a subscriber hears about a finished job without waiting for the next poll', async () => {
    const { s, t } = scheduler();
    const ref = await s.submit(request('sleep 0.5'));
    let heard = 0;
    const off = s.subscribe(() => heard++);
    const t0 = Date.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (heard > 0) {
          clearInterval(timer);
          resolve();
        } else if (Date.now() - t0 > 10_000) {
          clearInterval(timer);
          reject(new Error('no push'));
        }
      }, 20);
    });
    off();
    expect(t.count('clustrix-wait')).toBeGreaterThanOrEqual(1);
    expect(t.count('clustrix-status')).toBe(0); // nobody polled: the waiter said so
    expect((await s.status([ref])).get(ref.jobId)?.state).toBe('completed');
  }, 30_000);
});
