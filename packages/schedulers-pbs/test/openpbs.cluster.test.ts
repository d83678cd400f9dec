// The pbspro flavour end to end on a real PBS server: OpenPBS 23.06 built from the vendored source
// (scripts/testbed/openpbs.sh), submitted as `pbstest` over SSH, flavour found by `qstat --version`.
// What the conformance suite does not cover: detection, #PBS directives reaching the server, per-task
// output of -J arrays, every way a job ends as PBS names it (Exit_status + comment), qdel behind
// Clustrix's back (running and queued), submission errors, and an array of 1,000 items.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, JobFailedError, NodeFailError, OutOfMemoryError, SubmitError, TimeLimitError, configure, map, shutdown, submit, withOptions } from '@clustrix/core';
import { getCluster } from '@clustrix/core/jobs';
import { registerScheduler } from '@clustrix/core/scheduler';
import { openpbsProfile, testbedSshProfile } from '@clustrix/scheduler-test-suite';
import { parseQstatFull, scheduler, type PbsScheduler } from '@clustrix/schedulers-pbs';
import { PbsJobs } from './jobs.js';
import { untilSleeping } from './started.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-openpbs-'));
chmodSync(root, 0o755);
const PROFILE = openpbsProfile({ pollMinMs: 100, pollMaxMs: 1000 });

beforeAll(() => {
  registerScheduler(scheduler);
  const clusters = {
    openpbs: PROFILE,
    // the same server with the flavour forced, and the Torque wrappers of pbs.sh with none set
    forced: { ...PROFILE, flavour: 'torque' },
    wrappers: { scheduler: 'pbs', ...testbedSshProfile('pbsuser') },
  };
  configure({ defaultCluster: 'openpbs', cacheDir: join(root, 'cache'), clusters: clusters as never }, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
});
afterAll(() => shutdown());

const jobs = new PbsJobs();

/** `qstat -f -x ID` (the job history keeps finished jobs) through the cluster's own transport. */
async function qstat(id: string): Promise<Map<string, string>> {
  const out = await (await getCluster('openpbs')).transport.exec(['qstat', '-f', '-x', id]);
  return parseQstatFull(out.stdout)[0]?.attrs ?? new Map();
}

/** qstat -f -x once the job shows F (MoM reports the end ~1 s after the job's folder has its result). */
async function finished(id: string): Promise<Map<string, string>> {
  let a = await qstat(id);
  for (let i = 0; i < 100 && a.get('job_state') !== 'F'; i++) {
    await new Promise((r) => setTimeout(r, 200));
    a = await qstat(id);
  }
  expect(a.get('job_state')).toBe('F');
  return a;
}

async function untilState(h: { state: string }, state: string): Promise<void> {
  for (let i = 0; i < 600 && h.state !== state; i++) await new Promise((r) => setTimeout(r, 100));
  expect(h.state).toBe(state);
}

describe('PBS (pbspro flavour) on OpenPBS, as pbstest over SSH', () => {
  test('the flavour is detected from qstat --version: OpenPBS, pbspro', async () => {
    const s = (await getCluster('openpbs')).scheduler as PbsScheduler;
    expect(s.dialect.detected).toMatchObject({ flavour: 'pbspro', source: 'detected' });
    expect(s.variant).toMatch(/^OpenPBS\/PBS Professional 23\.06\.\d+ \(found by `qstat --version`\)$/);
    expect(s.dialect.statusArgv(['1.vm'])).toEqual([['qstat', '-f', '-x', '1.vm']]);
    // `flavour` overrides; SLURM's Torque wrappers (no `qstat --version`) are found to be torque
    expect(((await getCluster('forced')).scheduler as PbsScheduler).dialect.detected).toMatchObject({ flavour: 'torque', source: 'profile' });
    const wrappers = (await getCluster('wrappers')).scheduler as PbsScheduler;
    expect(wrappers.dialect.detected).toMatchObject({ flavour: 'torque', source: 'detected' });
    expect(wrappers.variant).toBe("SLURM's Torque wrappers, whose qstat has no --version (found by `qstat --version`)");
  }, 60_000);

  test('select/ncpus/mem, walltime, queue, account and a job name with a space reach the server as #PBS directives', async () => {
    const h = await withOptions({ cpus: 2, memory: '600M', time: '5m', queue: 'workq', account: 'clx-acct', jobName: 'has space; echo x' }, () => submit(() => jobs.where('hi')));
    const r = await h.result();
    expect(r).toMatchObject({ tag: 'hi', pbsJobId: h.schedulerJobId, jobName: 'has_space__echo_x', index: undefined });
    const a = await finished(h.schedulerJobId!);
    expect(a.get('job_name')).toBe('has_space__echo_x');
    expect(a.get('resource_list.select')).toBe('1:ncpus=2:mem=600mb');
    expect(a.get('resource_list.ncpus')).toBe('2');
    expect(a.get('resource_list.walltime')).toBe('00:05:00');
    expect(a.get('queue')).toBe('workq');
    expect(a.get('account_name')).toBe('clx-acct');
    expect(a.get('exit_status')).toBe('0');
  }, 120_000);

  test('a map is ONE -J array job; each item gets PBS_ARRAY_INDEX, its 0-based index and its own logs/<i>.out', async () => {
    const items = [10, 11, 12, 13, 14, 15];
    const batch = map(items, (x) => jobs.item(x), { progress: false });
    const results = await batch;
    expect(results.map((r) => r.x)).toEqual(items);
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results.map((r) => r.arrayIndex)).toEqual(['0', '1', '2', '3', '4', '5']);
    const id = batch.jobs[0]!.schedulerJobId!;
    expect(new Set(batch.jobs.map((j) => j.schedulerJobId))).toEqual(new Set([id]));
    expect(id).toMatch(/^\d+\[\]\.\S+$/);
    expect((await qstat(id)).get('array_indices_submitted')).toBe('0-5');
    const ref = await batch.jobs[0]!.submitted();
    const logs = await (await getCluster('openpbs')).transport.readFiles([`${ref.jobDir}/logs/3.out`]);
    expect(logs.get(`${ref.jobDir}/logs/3.out`)?.toString('utf8')).toContain('item 13 says hello');
  }, 180_000);

  test('a non-zero exit: JobFailedError with the exit code, Exit_status the same', async () => {
    const h = await submit(() => jobs.quit(3));
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect((err as JobFailedError).exitCode).toBe(3);
    expect((err as JobFailedError).stderrTail).toContain('quitting with 3');
    expect((await finished(h.schedulerJobId!)).get('exit_status')).toBe('3');
  }, 120_000);

  test('over its walltime: TimeLimitError naming Exit_status -29 and the comment', async () => {
    const err = await withOptions({ time: '4s' }, () => jobs.sleep(120)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeLimitError);
    expect((err as TimeLimitError).message).toMatch(/Exit_status -29, JOB_EXEC_KILL_WALLTIME.*exceeded resource walltime/);
  }, 120_000);

  test('over its -l mem (MoM $enforce mem): OutOfMemoryError with MoM\'s kill line; Exit_status -27', async () => {
    const err = await withOptions({ memory: '150M' }, () => jobs.hog(600, 20)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect((err as OutOfMemoryError).message).toMatch(/ran out of memory \(F\): PBS: job killed: mem \d+kb exceeded limit 153600kb/);
    const a = await finished((err as OutOfMemoryError).schedulerJobId!);
    expect(a.get('exit_status')).toBe('-27');
    expect(a.get('comment')).toMatch(/and exceeded resource mem$/);
  }, 120_000);

  test('qdel behind Clustrix\'s back while it runs: CancelledError, deleted (qdel), the Exit_status of the SIGTERM', async () => {
    const h = await submit(() => jobs.sleepSaying(300));
    const ref = await h.submitted();
    const rt = await getCluster('openpbs');
    await untilSleeping(rt.transport, ref.jobDir); // the method runs, not only PBS's R
    expect((await rt.transport.exec(['qdel', h.schedulerJobId!])).code).toBe(0);
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    // 271 (256+15) when PBS's job shell itself dies of the SIGTERM, 143 (128+15) when it reports its child's
    expect((err as CancelledError).message).toMatch(/deleted \(qdel\), Exit_status (271|143); PBS: terminated by pbstest@/);
  }, 120_000);

  test('qdel behind Clustrix\'s back while it waits (more CPUs than the node has): CancelledError, never ran', async () => {
    const h = await withOptions({ cpus: 64 }, () => submit(() => jobs.sleep(1)));
    await untilState(h, 'pending');
    const a = await qstat(h.schedulerJobId!);
    expect(a.get('comment')).toMatch(/Insufficient amount of resource: ncpus/);
    expect((await (await getCluster('openpbs')).transport.exec(['qdel', h.schedulerJobId!])).code).toBe(0);
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).message).toMatch(/deleted \(qdel\)/);
    expect((await qstat(h.schedulerJobId!)).get('exit_status')).toBeUndefined();
  }, 120_000);

  test('a queue that does not exist: SubmitError with qsub\'s own words, nothing left outstanding', async () => {
    const err = await withOptions({ queue: 'nosuch' }, () => jobs.where('q')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubmitError);
    expect((err as SubmitError).message).toMatch(/^\[clustrix\] \[pbs\] qsub refused job [\s\S]*Unknown queue/);
    expect((await getCluster('openpbs')).watcher.outstanding).toBe(0);
  }, 60_000);

  // Killing the MoM needs root (the testbed's daemons are root's; `pnpm test:cluster` runs as root, as up.sh must)
  const asRoot = process.getuid?.() === 0 ? test : test.skip;
  asRoot('its node goes down under a job that may not rerun (-r n; pbs_mom killed): NodeFailError naming Exit_status -20', async () => {
    const h = await withOptions({ directives: ['-r n'] }, () => submit(() => jobs.sleep(20)));
    await untilState(h, 'running');
    const lock = '/var/spool/pbs/mom_priv/mom.lock';
    const pid = Number(readFileSync(lock, 'utf8').trim());
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('pbs_mom');
    process.kill(pid, 'SIGKILL');
    try {
      // the server marks the node down at once and ends the job node_fail_requeue (5 s, openpbs.sh) later
      const err = await h.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NodeFailError);
      expect((err as NodeFailError).message).toMatch(/the connection to its mother superior failed \(Exit_status -20, JOB_EXEC_RERUN_MS_FAIL\)/);
    } finally {
      expect(spawnSync('setsid', ['/opt/pbs/sbin/pbs_mom'], { stdio: 'ignore' }).status).toBe(0);
      const free = () => /state = free/.test(spawnSync('/opt/pbs/bin/pbsnodes', ['-v', hostname().split('.')[0]!]).stdout?.toString() ?? '');
      for (let i = 0; i < 100 && !free(); i++) await new Promise((r) => setTimeout(r, 200));
    }
  }, 120_000);

  test('a map of 1,000 items: one array job, results in order, ONE status round trip per watcher cycle', async () => {
    const rt = await getCluster('openpbs');
    const s = rt.scheduler as PbsScheduler;
    const trips0 = s.roundTrips;
    const cycles0 = rt.watcher.cycles;
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const batch = map(items, (x) => jobs.item(x), { progress: false });
    const results = await batch;
    expect(results.map((r) => r.x)).toEqual(items);
    expect(results.map((r) => r.index)).toEqual(items);
    expect(new Set(batch.jobs.map((j) => j.schedulerJobId)).size).toBe(1);
    expect(s.roundTrips - trips0).toBeGreaterThan(0);
    expect(s.roundTrips - trips0).toBeLessThanOrEqual(rt.watcher.cycles - cycles0);
  }, 900_000);
});
