// The local scheduler is for trying code meant for a cluster: a job asking for more CPUs than this machine
// has runs anyway after one warning; `strict: true` on the local cluster refuses it before anything runs.
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SubmitError, configure, shutdown, withOptions } from '@clustrix/core';
import { Worker } from './fixtures/jobs.js';
import { LocalScheduler } from '../src/scheduler/local.js';
import type { SubmitRequest } from '../src/scheduler/contract.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-oversize-'));
configure(
  {
    remoteRoot: join(root, 'remote'),
    clusters: {
      small: { scheduler: 'local', concurrency: 1 },
      strictSmall: { scheduler: 'local', concurrency: 1, strict: true },
    },
  } as Parameters<typeof configure>[0],
  { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') },
);
afterAll(() => shutdown());

describe('a local job larger than the machine', () => {
  const w = new Worker('big');

  test('runs anyway (end to end)', async () => {
    const results = await Promise.all([1, 2].map((v) => withOptions({ cluster: 'small', cpus: 8 }, () => w.echo(v))));
    expect(results.map((r) => r.value)).toEqual([1, 2]);
  });

  test('one warning per scheduler, not one per job; the job takes every slot', async () => {
    const warnings: string[] = [];
    const dir = mkdtempSync(join(root, 'jobs-'));
    const local = new LocalScheduler({ slots: 1, warn: (m) => warnings.push(m) });
    const request = (jobId: string) =>
      ({ jobId, jobDir: join(dir, jobId), command: [process.execPath, '-e', '0'], options: { cpus: 8 } }) as unknown as SubmitRequest;
    const refs = [await local.submit(request('a')), await local.submit(request('b'))];
    expect(warnings).toEqual([expect.stringMatching(/cpus=8 but this machine has 1: it runs here anyway.*strict: true/)]);
    expect(local.queued).toBe(1); // one slot: the second oversize job waits for the first
    await Promise.all(refs.map((r) => local.cancel([r])));
  });

  test('strict: true refuses it, naming the request, the limit and the ways out', async () => {
    const err = await withOptions({ cluster: 'strictSmall', cpus: 8 }, () => w.echo(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubmitError);
    expect((err as Error).message).toMatch(/cpus=8 but this machine has 1; lower `cpus`.*`strict: true`/);
  });
});
