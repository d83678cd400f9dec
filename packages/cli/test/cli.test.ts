// The `clustrix` command on this machine (local scheduler), run as a real process.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure, map, shutdown, submit } from '@clustrix/core';
import { getJob } from '@clustrix/core/jobs';
import { CliJobs } from './fixtures/cli-jobs.js';
import { runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-cli-'));
const CONFIG = { remoteRoot: join(root, 'remote'), registryDir: join(root, 'registry'), time: '10m', clusters: { box: { scheduler: 'local', concurrency: 4, pollMinMs: 50 } } };
writeFileSync(join(root, 'package.json'), '{"name":"cli-test","private":true}');
writeFileSync(join(root, '.clustrixrc.json'), JSON.stringify(CONFIG));
mkdirSync(join(root, 'user'));
writeFileSync(join(root, 'user', 'config.yml'), 'nodePath: node\ncleanup: keep\n');
const ENV = { CLUSTRIX_USER_CONFIG_DIR: join(root, 'user'), CLUSTRIX_SYSTEM_CONFIG_DIR: join(root, 'etc') };
const cli = (...args: string[]) => runCli(['--cwd', root, ...args], { env: ENV, timeoutMs: 120_000 });

configure(CONFIG, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
afterAll(() => shutdown());

describe('clustrix (local scheduler)', () => {
  test('config: every value with the file or variable it came from', async () => {
    const r = await runCli(['--cwd', root, 'config', '--json'], { env: { ...ENV, CLUSTRIX_CPUS: '2' } });
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.stdout) as Array<{ key: string; value: unknown; source: string }>;
    const at = (k: string) => entries.find((e) => e.key === k);
    expect(at('time')).toEqual({ key: 'time', value: '10m', source: join(root, '.clustrixrc.json') });
    expect(at('clusters.box.scheduler')?.source).toBe(join(root, '.clustrixrc.json'));
    expect(at('cpus')).toEqual({ key: 'cpus', value: 2, source: 'environment variable CLUSTRIX_CPUS' });
    expect(at('nodePath')?.source).toBe(join(root, 'user', 'config.yml'));
    expect(at('defaultCluster')).toEqual({ key: 'defaultCluster', value: 'local', source: 'default' });
    const table = await runCli(['--cwd', root, 'config', '--cluster', 'box'], { env: ENV });
    expect(table.stdout).toMatch(/concurrency\s+4\s+.*\.clustrixrc\.json/);
    expect(table.stdout).toMatch(/time\s+"10m"\s+.*\.clustrixrc\.json/);
  }, 60_000);

  test('jobs, status, logs, result of a job submitted by another process', async () => {
    const h = await submit(() => new CliJobs().chatty(3, 50), { cluster: 'box' });
    await h.result();
    const jobs = await cli('jobs', '--no-refresh');
    expect(jobs.code).toBe(0);
    expect(jobs.stdout).toMatch(new RegExp(`${h.id}\\s+box\\s+CliJobs\\.chatty\\s+completed`));
    const status = await cli('status', h.id.slice(-8));
    expect(status.stdout).toMatch(/state\s+completed/);
    expect(status.stdout).toMatch(/outcome\s+1 succeeded, 0 failed/);
    const logs = await cli('logs', h.id);
    expect(logs.stdout).toContain('==> stdout <==\nline 0\nline 1\nline 2\n');
    expect(logs.stdout).toContain('==> stderr <==\nchatty starts\n');
    expect((await cli('logs', h.id, '--stdout')).stdout).toBe('line 0\nline 1\nline 2\n');
    const result = await cli('result', h.id, '--compact');
    expect(result).toMatchObject({ code: 0, stdout: '3\n' });
  }, 60_000);

  test('status: what a finished job used, its efficiency against the request, and a hint when it asked for four times too much', async () => {
    const h = await submit(() => new CliJobs().sleep(50), { cluster: 'box', memory: '4G', time: '1h' });
    await h.result();
    await h.usage(); // the figures are written after the result
    const status = await cli('status', h.id);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/\nused +measured by runner\n/);
    expect(status.stdout).toMatch(/\n {2}elapsed +[\d.]+ (ms|s)\n {2}cpu time +[\d.]+ (ms|s)\n {2}peak memory +[\d.]+ MiB\n/);
    expect(status.stdout).toMatch(/\nefficiency +CPU \d+% of 1 CPU, memory \d+% of 4\.00 GiB, time 0% of 1h 00m\n/);
    expect(status.stdout).toMatch(/\nhint +it used under a quarter of the memory it asked for \(4G\): `memory: '\d+[MG]'` would do\n/);
    expect(status.stdout).toMatch(/\nhint +it used under a quarter of the time it asked for \(1h\): `time: '1m'` would do/);
    const json = JSON.parse((await cli('status', h.id, '--json')).stdout) as { usage: { reported: number }; record: { usage: Record<string, { maxRssBytes: number }> } };
    expect(json.usage.reported).toBe(1);
    expect(json.record.usage['0']!.maxRssBytes).toBeGreaterThan(0);
  }, 60_000);

  test('status of a map: min, median and max over its items', async () => {
    const batch = map([10, 20, 30], (ms) => new CliJobs().sleep(ms), { cluster: 'box' });
    await batch;
    await batch.jobs[0]!.usage(0); // the figures are written after the results
    const status = await cli('status', batch.jobs[0]!.id);
    expect(status.stdout).toMatch(/\nused +3 of 3 items measured by runner \(min · median · max over items\)\n/);
    expect(status.stdout).toMatch(/\n {2}elapsed +min [\d.]+ (ms|s) · median [\d.]+ (ms|s) · max [\d.]+ (ms|s)\n/);
    expect(status.stdout).toMatch(/\n {2}peak memory +min [\d.]+ MiB · median [\d.]+ MiB · max [\d.]+ MiB\n/);
    expect(status.stdout).toMatch(/\nefficiency +CPU median \d+% of 1 CPU, time max 0% of 10m 00s\n/);
  }, 60_000);

  test('result of a failed job: the error on stderr, exit code 1', async () => {
    const h = await submit(() => new CliJobs().fail('out of range'), { cluster: 'box' });
    await h.result().catch(() => undefined);
    const r = await cli('result', h.id);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/out of range/);
    // what users check: the class, the job, the scheduler job; -v adds the remote stack
    expect(r.stderr).toMatch(/^RangeError: out of range$/m);
    expect(r.stderr).toMatch(new RegExp(`^  job\\s+${h.id}$`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`^  scheduler job\\s+${(await h.submitted()).schedulerJobId}$`, 'm'));
    expect(r.stderr).not.toMatch(/remote stack/);
    const verbose = await cli('-v', 'result', h.id);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/remote stack:\n    RangeError: out of range\n    +at .*cli-jobs\.ts/);
  }, 60_000);

  test('result of a job that exited: JobFailedError with its code, scheduler state and exit code', async () => {
    const h = await submit(() => new CliJobs().quit(3), { cluster: 'box' });
    await h.result().catch(() => undefined);
    const r = await cli('result', h.id);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^JobFailedError \[JOB_FAILED\]: /m);
    expect(r.stderr).toMatch(/^  exit code\s+3$/m);
    expect(r.stderr).toMatch(/^  scheduler state\s+\S+/m);
  }, 60_000);

  test('bad input is a clear error', async () => {
    const state = await cli('jobs', '--state', 'sleeping');
    expect(state.code).toBe(1);
    expect(state.stderr).toMatch(/--state: 'sleeping' is not a state; use active, ended, preparing/);
    const missing = await cli('status', '29991231-000000-deadbeef');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no job '29991231-000000-deadbeef' in the registry at .*registry/);
    expect(missing.stderr).toMatch(/^  code: CLUSTRIX$/m);
    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  }, 60_000);

  test('doctor: a checklist, with a no-op job through the whole pipeline', async () => {
    const r = await cli('doctor', 'box');
    expect(r.code).toBe(0);
    for (const check of ['configuration', 'connection', 'node', 'scheduler commands', 'limits', 'remote root', 'registry', 'test job']) {
      expect(r.stdout).toMatch(new RegExp(`✓ ${check}`));
    }
    expect(r.stdout).toMatch(/✓ limits\s+no array limit known \(the \w+ scheduler reports none\): a map is one array job/);
    expect(r.stdout).toMatch(/test job\s+job \S+ \(local-\d+-\d+\) ran on \S+ with Node v20/);
    expect(r.stdout).toMatch(/all checks passed\n$/);
  }, 120_000);

  test('doctor: a broken cluster says what to fix and skips what depends on it', async () => {
    const bad = join(root, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'package.json'), '{}');
    writeFileSync(join(bad, '.clustrixrc.json'), JSON.stringify({ ...CONFIG, clusters: { box: { scheduler: 'local', nodePath: '/nonexistent/node' } } }));
    const r = await runCli(['--cwd', bad, 'doctor', 'box'], { env: ENV });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ node\s+no usable Node\.js on localhost: Node\.js was not found/);
    expect(r.stdout).toMatch(/- test job\s+skipped/);
    expect(r.stdout).toMatch(/1 check failed/);
  }, 60_000);
});

/** Submits a job that writes `started` and ends when the test creates `release`; resolves once it runs. */
async function heldJob(name: string) {
  const started = join(root, `${name}.started`);
  const release = join(root, `${name}.release`);
  const h = await submit(() => new CliJobs().holdUntil(started, release), { cluster: 'box' });
  while (!existsSync(started)) await new Promise((r) => setTimeout(r, 20));
  return { h, release: () => writeFileSync(release, '') };
}

describe('nothing deletes or rewrites what it does not know', () => {
  test('two registries share one remote root: clean keeps the folder of a job it does not know that is still running, however old', async () => {
    const other = join(root, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'package.json'), '{}');
    writeFileSync(join(other, '.clustrixrc.json'), JSON.stringify({ ...CONFIG, registryDir: join(other, 'registry') }));
    const running = await heldJob('other-registry');
    const ended = await submit(() => new CliJobs().chatty(1, 0), { cluster: 'box' });
    await ended.result();
    const jobsDir = join(CONFIG.remoteRoot, 'jobs');
    // the running job is older than --older-than 0; the other registry knows neither job
    const r = await runCli(['--cwd', other, 'clean', '--older-than', '0', '--cluster', 'box'], { env: ENV });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`kept (not in this registry, not proven ended) box:${join(jobsDir, running.h.id)}\n`);
    expect(r.stdout).toContain(`removed box:${join(jobsDir, ended.id)}\n`); // its end marker proves it ended
    expect(existsSync(join(jobsDir, running.h.id, 'job.json'))).toBe(true);
    expect(existsSync(join(jobsDir, ended.id))).toBe(false);
    running.release();
    expect(await running.h.result()).toBe('released');
  }, 60_000);

  test('result of a cleaned job says its folder was removed by clean, and leaves the record as it was', async () => {
    const h = await submit(() => new CliJobs().chatty(1, 0), { cluster: 'box' });
    await h.result();
    const ended = await getJob(h.id);
    expect(ended).toMatchObject({ state: 'completed', endedAt: expect.any(String) });
    expect((await cli('clean', '--older-than', '0', '--cluster', 'box')).stdout).toContain(`removed box:${join(CONFIG.remoteRoot, 'jobs', h.id)}\n`);
    const cleaned = await getJob(h.id);
    expect(cleaned.removedAt).toEqual(expect.any(String));
    const r = await cli('result', h.id);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`its folder was removed by clean at ${cleaned.removedAt}: its result is gone`);
    expect(r.stderr).not.toMatch(/JobLostError|without writing a result/);
    const after = await getJob(h.id);
    expect(after).toEqual(cleaned);
    expect(after.endedAt).toBe(ended.endedAt);
  }, 60_000);

  test('result of an ended job does not move its end time or rewrite its record', async () => {
    const h = await submit(() => new CliJobs().chatty(1, 0), { cluster: 'box' });
    await h.result();
    const before = await getJob(h.id);
    expect(await cli('result', h.id, '--compact')).toMatchObject({ code: 0, stdout: '1\n' });
    expect(await getJob(h.id)).toEqual(before);
  }, 60_000);

  test('cancel leaves the record and its attempt final, with an end time', async () => {
    const { h, release } = await heldJob('cancelled');
    const c = await cli('cancel', h.id);
    expect(c).toMatchObject({ code: 0, stdout: `${h.id}  cancelled\n` });
    const outcome = await h.result().then(() => 'resolved', (e: unknown) => e);
    release();
    expect(outcome).toBeInstanceOf(Error);
    const record = await getJob(h.id);
    expect(record).toMatchObject({ state: 'cancelled', endedAt: expect.any(String) });
    expect(record.attempts[0]).toMatchObject({ state: 'cancelled', endedAt: expect.any(String) });
    const status = await cli('status', h.id);
    // the CLI and the submitting process (which sees its child killed after the cancel marker) both make the record
    // cancelled: whichever writes first, it is final and says why; never RUNNING, never an active attempt
    expect(status.stdout).toMatch(/state\s+cancelled( \(CANCELLED\))? — cancelled \(clustrix cancel\)\n/);
    expect(status.stdout).toMatch(/ended\s+/);
    expect(status.stdout).not.toMatch(/\bactive\b|\(RUNNING\)/);
  }, 60_000);
});
