// SLURM end to end through the local transport (this machine is the login node), on the real
// slurmctld/slurmd/slurmdbd of scripts/testbed/slurm.sh.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, JobFailedError, OutOfMemoryError, configure, map, shutdown, submit, withOptions } from '@clustrix/core';
import { getCluster } from '@clustrix/core/jobs';
import type { BatchScheduler } from '@clustrix/core/scheduler';
import { Crash, SlurmJobs } from './jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-slurm-'));
chmodSync(root, 0o755);
// A logging wrapper first on PATH counts every scheduler command Clustrix runs.
const bin = join(root, 'bin');
const log = join(root, 'commands.log');
execFileSync('mkdir', ['-p', bin]);
for (const cmd of ['sbatch', 'squeue', 'sacct', 'scancel']) {
  writeFileSync(join(bin, cmd), `#!/bin/sh\necho "${cmd} $*" >> '${log}'\nexec /usr/bin/${cmd} "$@"\n`, { mode: 0o755 });
}
const savedPath = process.env.PATH;
beforeAll(() => {
  process.env.PATH = `${bin}:${savedPath}`;
  writeFileSync(log, '');
});
afterAll(async () => {
  process.env.PATH = savedPath;
  await shutdown();
});

const CLUSTERS = {
  slurm: { scheduler: 'slurm', pollMinMs: 100, pollMaxMs: 1000 },
  // a site whose arrays hold at most 4 items (the profile's limit; the testbed's MaxArraySize is larger)
  capped: { scheduler: 'slurm', maxArrayItems: 4, pollMinMs: 100, pollMaxMs: 1000 },
};
configure({ defaultCluster: 'slurm', remoteRoot: join(root, 'remote'), cacheDir: join(root, 'cache'), clusters: CLUSTERS }, {
  cwd: root,
  env: {},
  home: root,
  systemDir: join(root, 'etc'),
});

const commands = (name: string) => readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith(`${name} `));
const sacctState = (id: string) => execFileSync('sacct', ['-n', '-P', '-X', '-o', 'State', '-j', id], { encoding: 'utf8' }).trim();

describe('SLURM, local transport', () => {
  const jobs = new SlurmJobs();

  test('a call runs as a SLURM job and returns its result', async () => {
    const h = await submit(() => jobs.where('hello'));
    const r = await h.result();
    expect(r.tag).toBe('hello');
    expect(r.jobId).toBe(h.id);
    expect(r.slurmJob).toBe(h.schedulerJobId);
  });

  test('a throw comes back as the original class', async () => {
    const err = await jobs.crash('E42').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Crash);
    expect((err as Crash).code).toBe('E42');
  });

  test('an exit code comes back with the stderr tail', async () => {
    const err = (await jobs.exit(7).catch((e: unknown) => e)) as JobFailedError;
    expect(err).toBeInstanceOf(JobFailedError);
    expect(err.exitCode).toBe(7);
    expect(err.stderrTail).toContain('about to exit');
    expect(err.message).toMatch(/^\[clustrix\] \[slurm\] job .* exited with code 7/);
  });

  test('an AbortSignal cancels the job: CANCELLED in sacct', async () => {
    const ac = new AbortController();
    const h = await submit(() => jobs.sleep(120), { signal: ac.signal });
    const ref = await h.submitted();
    for (let i = 0; i < 100 && h.state !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).schedulerState).toBe('CANCELLED');
    let state = '';
    for (let i = 0; i < 50 && !state.startsWith('CANCELLED'); i++) {
      state = sacctState(ref.schedulerJobId);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(state).toMatch(/^CANCELLED/);
  }, 60_000);

  test('a 200-item map is exactly one sbatch and one array job, results in order', async () => {
    writeFileSync(log, '');
    const items = Array.from({ length: 200 }, (_, i) => i);
    const batch = map(items, (x) => jobs.square(x));
    const results = await batch;
    expect(results).toEqual(items.map((x) => x * x));
    expect(commands('sbatch')).toHaveLength(1);
    const ids = new Set(batch.jobs.map((j) => j.schedulerJobId));
    expect(ids.size).toBe(1);
  }, 300_000);

  test("the array limit is SLURM's own MaxArraySize; a map over a limit of 4 is three sbatch arrays of 4, 4 and 2", async () => {
    const size = Number(/^MaxArraySize\s*=\s*(\d+)/m.exec(execFileSync('scontrol', ['show', 'config'], { encoding: 'utf8' }))![1]);
    expect(await (await getCluster('slurm')).scheduler.limits!()).toEqual({ maxArrayItems: size, source: `scontrol show config: MaxArraySize = ${size}` });
    writeFileSync(log, '');
    const items = Array.from({ length: 10 }, (_, i) => i);
    const batch = map(items, (x) => jobs.square(x), { cluster: 'capped' });
    expect(await batch).toEqual(items.map((x) => x * x));
    expect(commands('sbatch')).toHaveLength(3);
    // what each sbatch was given (sacct may not list every task of a just-ended array yet)
    const arrays = batch.jobs.map((j) => /^#SBATCH --array=(\S+)$/m.exec(readFileSync(join(root, 'remote', 'jobs', j.id, 'job.sh'), 'utf8'))?.[1]);
    expect(arrays).toEqual(['0-3', '0-3', '0-1']);
  }, 300_000);

  test('with 200 jobs outstanding, each poll cycle runs at most one squeue and one sacct', async () => {
    const rt = await getCluster('slurm');
    const scheduler = rt.scheduler as BatchScheduler;
    const ac = new AbortController();
    // 200 separate jobs, held so that they stay outstanding while we count
    const calls = Array.from({ length: 200 }, (_, i) => withOptions({ signal: ac.signal, directives: ['--hold'] }, () => jobs.square(i)).catch((e: unknown) => e));
    for (let i = 0; i < 600 && rt.watcher.outstanding < 200; i++) await new Promise((r) => setTimeout(r, 100));
    expect(rt.watcher.outstanding).toBe(200);
    writeFileSync(log, '');
    const before = scheduler.roundTrips;
    // count over a number of status round trips (the scheduler's own counter), not over a span of time
    for (let i = 0; i < 1200 && scheduler.roundTrips - before < 4; i++) await new Promise((r) => setTimeout(r, 50));
    const cycles = scheduler.roundTrips - before;
    const seen = readFileSync(log, 'utf8').split('\n').filter((l) => /^(squeue|sacct) /.test(l)).map((l) => l.split(' ')[0]);
    expect(cycles).toBeGreaterThanOrEqual(4);
    // each round trip runs squeue then sacct, once each; a round trip in flight when the log was emptied
    // or read may show only its second or its first command
    const body = seen.slice(seen[0] === 'sacct' ? 1 : 0, seen.at(-1) === 'squeue' ? -1 : undefined);
    expect(body.length % 2).toBe(0);
    for (let i = 0; i < body.length; i += 2) expect(body.slice(i, i + 2)).toEqual(['squeue', 'sacct']);
    expect(Math.abs(body.length / 2 - cycles)).toBeLessThanOrEqual(1);
    for (const line of commands('squeue')) expect(line.split('--jobs=')[1]!.split(',').length).toBe(200);
    ac.abort();
    const outcomes = await Promise.all(calls);
    expect(outcomes.every((o) => o instanceof CancelledError)).toBe(true);
  }, 300_000);

});

describe('SLURM memory limit (enforced here by JobAcctGatherParams=OverMemoryKill, see scripts/testbed/slurm.sh)', () => {
  test('a job over its memory limit is an OutOfMemoryError naming the limit', async () => {
    const err = await withOptions({ memory: '200M' }, () => new SlurmJobs().hog(800, 10)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect((err as OutOfMemoryError).message).toMatch(/ran out of memory \(FAILED\): .*exceeded memory limit/);
    expect((err as OutOfMemoryError).stderrTail).toMatch(/exceeded memory limit/);
  }, 120_000);
});
