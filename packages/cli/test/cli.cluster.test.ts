// Every `clustrix` command end to end against the real SLURM of scripts/testbed/slurm.sh (this
// machine is the login node), run as a real process on jobs this test process submitted.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, configure, shutdown, submit } from '@clustrix/core';
import { getJob } from '@clustrix/core/jobs';
import { CliJobs } from './fixtures/cli-jobs.js';
import { runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-cli-slurm-'));
chmodSync(root, 0o755);
const CONFIG = {
  defaultCluster: 'slurm',
  remoteRoot: join(root, 'remote'),
  registryDir: join(root, 'registry'),
  clusters: { slurm: { scheduler: 'slurm', pollMinMs: 100, pollMaxMs: 1000 } },
};
writeFileSync(join(root, 'package.json'), '{"name":"cli-slurm-test","private":true}');
writeFileSync(join(root, '.clustrixrc.json'), JSON.stringify(CONFIG));
const ENV = { CLUSTRIX_USER_CONFIG_DIR: join(root, 'user'), CLUSTRIX_SYSTEM_CONFIG_DIR: join(root, 'etc') };
const cli = (...args: string[]) => runCli(['--cwd', root, ...args], { env: ENV, timeoutMs: 240_000 });
configure(CONFIG, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
afterAll(() => shutdown());

const jobs = new CliJobs();
const sacct = (id: string) => execFileSync('sacct', ['-n', '-P', '-X', '-o', 'State', '-j', id], { encoding: 'utf8' }).trim();

describe('clustrix on SLURM', () => {
  test('logs --follow prints what a running job writes, until it ends; then jobs, status, result', async () => {
    const h = await submit(() => jobs.chatty(8, 700));
    await h.submitted();
    const follow = await cli('logs', h.id, '--follow', '--stdout');
    expect(follow.code).toBe(0);
    expect(follow.stdout).toBe(Array.from({ length: 8 }, (_, i) => `line ${i}\n`).join(''));
    expect(await h.result()).toBe(8);

    const list = await cli('jobs', '--cluster', 'slurm');
    expect(list.stdout).toMatch(new RegExp(`${h.id}\\s+slurm\\s+CliJobs\\.chatty\\s+completed\\s+-\\s+1\\s+${h.schedulerJobId}`));
    const json = (await cli('jobs', '--state', 'completed', '--json')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string });
    expect(json.map((r) => r.id)).toContain(h.id);
    expect((await cli('jobs', '--state', 'running', '--json')).stdout).not.toContain(h.id);

    const status = await cli('status', h.id);
    expect(status.stdout).toMatch(/cluster\s+slurm \(slurm\)/);
    expect(status.stdout).toMatch(new RegExp(`0\\s+${h.schedulerJobId}\\s+all\\s+first\\s+completed`));
    const result = await cli('result', h.id, '--compact');
    expect(result).toMatchObject({ code: 0, stdout: '8\n' });
  }, 240_000);

  test('status of a running job asks SLURM; cancel kills it (CANCELLED in sacct)', async () => {
    const h = await submit(() => jobs.sleep(120_000));
    const ref = await h.submitted();
    for (let i = 0; i < 100 && h.state !== 'running'; i++) await new Promise((r) => setTimeout(r, 200));
    const status = await cli('status', h.id);
    expect(status.stdout).toMatch(/now\s+running \(RUNNING\)/);
    const cancel = await cli('cancel', h.id);
    expect(cancel).toMatchObject({ code: 0 });
    expect(cancel.stdout).toBe(`${h.id}  cancelled\n`);
    // scancel from another process: the runner's signal exit (143) is a cancel, not a crash
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).message).toMatch(/was cancelled/);
    let state = '';
    for (let i = 0; i < 50 && !state.startsWith('CANCELLED'); i++) {
      state = sacct(ref.schedulerJobId);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(state).toMatch(/^CANCELLED/);
    const record = await getJob(h.id);
    expect(record).toMatchObject({ state: 'cancelled', endedAt: expect.any(String) });
    expect(record.attempts[0]).toMatchObject({ state: 'cancelled', endedAt: expect.any(String) });
    const after = await cli('status', h.id);
    expect(after.stdout).toMatch(/state\s+cancelled — /);
    expect(after.stdout).not.toMatch(/\(RUNNING\)|\bactive\b/);
  }, 120_000);

  test('cancel --all cancels every active job', async () => {
    const handles = await Promise.all([submit(() => jobs.sleep(120_000)), submit(() => jobs.sleep(120_001))]);
    await Promise.all(handles.map((h) => h.submitted()));
    const r = await cli('cancel', '--all', '--cluster', 'slurm');
    expect(r.code).toBe(0);
    for (const h of handles) expect(r.stdout).toContain(`${h.id}  cancelled`);
    const outcomes = await Promise.all(handles.map((h) => h.result().catch((e: unknown) => e)));
    expect(outcomes.every((e) => e instanceof Error && /cancelled/.test(e.message))).toBe(true);
  }, 120_000);

  test('clean removes the folders of ended jobs, keeps those of active ones', async () => {
    const active = await submit(() => jobs.sleep(60_000));
    await active.submitted();
    const ended = await getJob((await cli('jobs', '--state', 'completed', '--json', '-n', '1')).stdout.split('\n')[0]!.match(/"id":"([^"]+)"/)![1]!);
    const endedDir = ended.attempts[0]!.jobDir;
    expect(existsSync(endedDir)).toBe(true);
    const dry = await cli('clean', '--older-than', '0', '--cluster', 'slurm', '--dry-run');
    expect(dry.stdout).toContain(`would remove slurm:${endedDir}`);
    expect(dry.stdout).toContain(`kept (active) slurm:${join(CONFIG.remoteRoot, 'jobs', active.id)}`);
    expect(existsSync(endedDir)).toBe(true);
    const real = await cli('clean', '--older-than', '0', '--cluster', 'slurm');
    expect(real.code).toBe(0);
    expect(existsSync(endedDir)).toBe(false);
    expect(existsSync(join(CONFIG.remoteRoot, 'jobs', active.id))).toBe(true);
    expect((await getJob(ended.id)).removedAt).toBeDefined();
    await active.cancel();
    await active.result().catch(() => undefined);
  }, 120_000);

  test('config shows where the SLURM profile comes from', async () => {
    const r = await cli('config', '--cluster', 'slurm', '--json');
    const entries = JSON.parse(r.stdout) as Array<{ key: string; value: unknown; source: string }>;
    expect(entries.find((e) => e.key === 'scheduler')).toEqual({ key: 'scheduler', value: 'slurm', source: join(root, '.clustrixrc.json') });
    expect(entries.find((e) => e.key === 'remoteRoot')).toEqual({ key: 'remoteRoot', value: CONFIG.remoteRoot, source: join(root, '.clustrixrc.json') });
  }, 60_000);

  test('doctor slurm: every check passes, with a no-op job through SLURM', async () => {
    const r = await cli('doctor', 'slurm');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ scheduler commands\s+sbatch, squeue, sacct, scancel found/);
    // the array limit as SLURM itself reports it
    const size = /^MaxArraySize\s*=\s*(\d+)/m.exec(execFileSync('scontrol', ['show', 'config'], { encoding: 'utf8' }))![1];
    expect(r.stdout).toMatch(new RegExp(`✓ limits\\s+arrays of at most ${size} items \\(scontrol show config: MaxArraySize = ${size}\\)`));
    expect(r.stdout).toMatch(/✓ test job\s+job \S+ \(\d+\) ran on \S+ with Node v20/);
    expect(r.stdout).toMatch(/all checks passed\n$/);
  }, 240_000);
});
