// The ssh scheduler (a plain host, scripts/testbed/sshd.sh): a job outlives its submitter, and a
// job checkpoints on the runner's own timer (no scheduler signal there).
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attach, configure, shutdown, submit } from '@clustrix/core';
import { getJob } from '@clustrix/core/jobs';
import { Counter } from './fixtures/reliability-jobs.js';
import { onHost, sshProfile } from './ssh-testbed.js';

const run = `r${Date.now().toString(36)}`;
const local = mkdtempSync(join(tmpdir(), 'clustrix-rel-ssh-'));
const CONFIG = {
  defaultCluster: 'tb',
  registryDir: join(local, 'registry'),
  clusters: { tb: { scheduler: 'ssh', ...sshProfile(), remoteRoot: `~/.clustrix-test/${run}`, pollMinMs: 100, pollMaxMs: 1000 } },
};
configure(CONFIG as never, { cwd: local, env: {}, home: local, systemDir: join(local, 'etc') });
afterAll(async () => {
  await shutdown();
  onHost(`rm -rf ~/.clustrix-test/${run}`);
});
const here = dirname(fileURLToPath(import.meta.url));

describe('ssh scheduler', () => {
  test('SIGKILL the submitter: the job runs on, detached on the host; attach() gets its result', async () => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', join(here, 'fixtures', 'submit-child.ts'), 'single', '12', '4000'], {
      cwd: join(here, '..', '..', '..'),
      env: { ...process.env, CLUSTRIX_TEST_CONFIG: JSON.stringify(CONFIG), CLUSTRIX_TEST_HOME: local },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const first = await new Promise<{ jobId: string; schedulerJobId: string }>((resolve) => {
      let out = '';
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
      });
    });
    p.kill('SIGKILL');
    await new Promise((r) => p.on('exit', r));
    expect(onHost(`kill -0 -- -${first.schedulerJobId} && echo alive`).stdout).toContain('alive'); // its process group on the host
    const r = await attach<{ value: number; jobId: string }>(first.jobId);
    expect(r).toMatchObject({ value: 12, jobId: first.jobId });
    expect((await getJob(first.jobId)).state).toBe('completed');
  }, 90_000);

  test('checkpoint() on the runner timer (time − lead): resumed and finished', async () => {
    const h = await submit(() => new Counter().count(20, 300), { time: 6 });
    const r = await h.result();
    expect(r.step).toBe(20);
    expect(r.resumes).toBeGreaterThanOrEqual(1);
    const record = await getJob(h.id);
    expect(record.attempts).toHaveLength(r.resumes + 1);
    const trigger = onHost(`cat ${record.attempts[0]!.jobDir}/checkpoint.json`).stdout;
    expect(JSON.parse(trigger).trigger).toBe('timer');
  }, 120_000);
});
