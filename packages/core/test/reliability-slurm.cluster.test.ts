// Jobs that outlive their process, retries and checkpoints on the real SLURM of scripts/testbed/slurm.sh
// (local transport: this machine is the login node).
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attach, configure, shutdown, submit, withOptions } from '@clustrix/core';
import { getJob, listJobs } from '@clustrix/core/jobs';
import { Counter, Unreliable } from './fixtures/reliability-jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-rel-slurm-'));
chmodSync(root, 0o755);
const CONFIG = {
  defaultCluster: 'slurm',
  remoteRoot: join(root, 'remote'),
  registryDir: join(root, 'registry'),
  clusters: { slurm: { scheduler: 'slurm', pollMinMs: 100, pollMaxMs: 1000 } },
};
configure(CONFIG, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
afterAll(() => shutdown());

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const u = new Unreliable();
const sacct = (id: string, fields = 'State,ExitCode') => execFileSync('sacct', ['-n', '-P', '-X', '-o', fields, '-j', id], { encoding: 'utf8' }).trim();
/**
 * sacct's line for a job once SLURM has ended it. The runner writes its result (or exit marker) before the job's
 * process ends, so clustrix can finish a call while slurmdbd still says RUNNING or COMPLETING: wait for the end
 * event, bounded, then return the line for the assertion.
 */
async function sacctEnded(id: string): Promise<string> {
  let line = sacct(id);
  for (let i = 0; i < 150 && /^(PENDING|RUNNING|COMPLETING|REQUEUED|RESIZING|SUSPENDED)?(\||$)/.test(line); i++) {
    await new Promise((r) => setTimeout(r, 200));
    line = sacct(id);
  }
  return line;
}

/** A process running `script args`: resolves with its pid, the first JSON line it prints, and its end. */
function start(script: string, args: string[], env: Record<string, string> = {}): Promise<{ pid: number; first: Record<string, unknown>; done: Promise<{ code: number | null; out: string; err: string }> }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', script, ...args], {
      cwd: repo,
      env: { ...process.env, CLUSTRIX_TEST_CONFIG: JSON.stringify(CONFIG), CLUSTRIX_TEST_HOME: root, CLUSTRIX_NO_PROGRESS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const done = new Promise<{ code: number | null; out: string; err: string }>((r) => p.on('exit', (code) => r({ code, out, err })));
    p.stdout.on('data', (d: Buffer) => {
      const had = out.includes('\n');
      out += d.toString();
      if (!had && out.includes('\n')) resolve({ pid: p.pid!, first: JSON.parse(out.split('\n')[0]!) as Record<string, unknown>, done });
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => {
      if (!out.includes('\n')) reject(new Error(`${script} exited ${code} before printing: ${err}`));
    });
  });
}
const child = join(here, 'fixtures', 'submit-child.ts');
const cli = join(repo, 'packages', 'cli', 'src', 'bin.ts');

describe('SLURM: a job outlives the process that submitted it', () => {
  test('SIGKILL the submitter while its job runs: attach() and `clustrix result` both get the result', async () => {
    const { pid, first, done } = await start(child, ['single', '99', '8000']);
    const jobId = first.jobId as string;
    const slurmId = first.schedulerJobId as string;
    for (let i = 0; i < 100 && !sacct(slurmId).startsWith('RUNNING'); i++) await new Promise((r) => setTimeout(r, 200));
    expect(sacct(slurmId)).toMatch(/^RUNNING/);
    process.kill(pid, 'SIGKILL');
    expect((await done).code).toBe(null);
    expect(sacct(slurmId)).toMatch(/^(RUNNING|COMPLETING|COMPLETED)/); // the job did not die with its submitter
    const [value, viaCli] = await Promise.all([
      attach<{ value: number; jobId: string }>(jobId),
      (async () => {
        const r = await start(cli, ['--registry', CONFIG.registryDir, '--cwd', root, 'result', jobId.slice(-8), '--compact'], {});
        return r;
      })(),
    ]);
    expect(value.value).toBe(99);
    expect(value.jobId).toBe(jobId);
    expect(viaCli.first).toMatchObject({ value: 99, jobId });
    expect((await viaCli.done).code).toBe(0);
    const record = await getJob(jobId);
    expect(record.state).toBe('completed');
    expect(record.attempts[0]!.ref!.schedulerJobId).toBe(slurmId);
    expect(await sacctEnded(slurmId)).toMatch(/^COMPLETED/);
  }, 120_000);

  test('two processes submitting 200 jobs each into one registry lose none', async () => {
    const [a, b] = await Promise.all([start(child, ['many', '200', '--hold']), start(child, ['many', '200', '--hold'])]);
    const ids = [...(a.first.submitted as string[]), ...(b.first.submitted as string[])];
    await Promise.all([a.done, b.done]);
    try {
      expect(new Set(ids).size).toBe(400);
      const records = await listJobs({ state: ['pending'] });
      const byId = new Map(records.map((r) => [r.id, r]));
      expect(ids.filter((id) => !byId.has(id))).toEqual([]);
      const slurmIds = ids.map((id) => byId.get(id)!.attempts[0]!.ref!.schedulerJobId);
      expect(new Set(slurmIds).size).toBe(400);
      const held = execFileSync('squeue', ['-h', '-o', '%i %r', '-j', slurmIds.join(',')], { encoding: 'utf8' }).trim().split('\n');
      expect(held.filter((l) => /JobHeldUser/.test(l))).toHaveLength(400);
    } finally {
      const slurmIds = (await listJobs()).filter((r) => ids.includes(r.id)).map((r) => r.attempts[0]?.ref?.schedulerJobId).filter(Boolean) as string[];
      if (slurmIds.length) execFileSync('scancel', slurmIds);
    }
  }, 300_000);
});

describe('SLURM: retries', () => {
  test("the job's runner killed from outside (SIGKILL): the job goes again as a new SLURM job and succeeds", async () => {
    const marker = join(root, 'killed-once');
    const pidFile = join(root, 'killed-once.pid');
    const h = await submit(() => u.killedOnce(marker, pidFile, 5), { retries: 2, retryDelay: 1 });
    for (let i = 0; i < 300 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
    const firstSlurm = h.schedulerJobId!;
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    const r = await h.result();
    expect(r).toEqual({ value: 5, jobId: `${h.id}-r1` });
    expect(h.schedulerJobId).not.toBe(firstSlurm);
    const record = await getJob(h.id);
    expect(record.attempts.map((a) => a.retried ?? [])).toEqual([[], [0]]);
    expect(record.attempts[0]!.state).toBe('failed');
    expect(await sacctEnded(firstSlurm)).toMatch(/^FAILED\|/);
    expect(await sacctEnded(h.schedulerJobId!)).toBe('COMPLETED|0:0');
  }, 180_000);
});

describe('SLURM: checkpoint()', () => {
  test('SLURM signals the runner before the time limit (--signal=B:USR1); the job resumes from its checkpoint and finishes', async () => {
    const c = new Counter();
    // The limit is given to SLURM only (a raw directive), so the runner has no timer of its own:
    // only SLURM's signal, forwarded by the job script, can make it checkpoint.
    // 70 steps of 1 s cannot fit in the 1-minute limit: the job can only finish by checkpointing.
    // SLURM sends the signal at its first periodic (~30 s) time-limit check that finds at most lead + 30 s
    // left, so up to 30 s early: asked 20 s before the end, it comes 10 to ~40 s into each attempt
    // (measured; asked 50 s before, it came as early as the job's first seconds). `checkpoints` leaves room.
    const h = await submit(() => c.count(70, 1000), { directives: ['--time=1'], checkpointLead: 20, checkpoints: 10 });
    const r = await h.result();
    expect(r.step).toBe(70);
    expect(r.resumes).toBeGreaterThanOrEqual(1);
    const record = await getJob(h.id);
    expect(record.attempts.length).toBe(r.resumes + 1);
    expect(record.attempts.slice(1).map((a) => a.resumed)).toEqual(record.attempts.slice(1).map(() => [0]));
    for (const a of record.attempts.slice(0, -1)) {
      const file = JSON.parse(readFileSync(join(a.jobDir, 'checkpoint.json'), 'utf8')) as { trigger: string };
      expect(file.trigger).toBe('SIGUSR1');
      expect(await sacctEnded(a.ref!.schedulerJobId)).toBe('FAILED|75:0'); // it checkpointed and exited before SLURM's limit
      expect(readFileSync(join(a.jobDir, 'job.sh'), 'utf8')).toContain('#SBATCH --signal=B:USR1@20');
    }
    expect(await sacctEnded(record.attempts[record.attempts.length - 1]!.ref!.schedulerJobId)).toBe('COMPLETED|0:0');
  }, 300_000);
});

describe('SLURM: its own requeue', () => {
  test('`scontrol requeue` of a running job: SLURM runs it again and the call still gets its result', async () => {
    const h = await submit(() => u.slowValue(3, 6000));
    const ref = await h.submitted();
    for (let i = 0; i < 100 && !sacct(ref.schedulerJobId).startsWith('RUNNING'); i++) await new Promise((r) => setTimeout(r, 200));
    execFileSync('scontrol', ['requeue', ref.schedulerJobId]);
    const r = await withOptions({}, () => h.result());
    expect(r.value).toBe(3);
    expect((await getJob(h.id)).attempts).toHaveLength(1);
  }, 300_000);
});
