// PBS end to end on this machine's testbed (scripts/testbed/pbs.sh): the torque flavour against the
// Torque command set of SLURM's wrappers, submitted as `pbsuser` over SSH. What the shared
// conformance suite does not cover: directives reaching the scheduler, per-task output of arrays,
// submission errors, memory kills and jobs deleted behind Clustrix's back.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, ConfigError, OutOfMemoryError, SubmitError, configure, map, shutdown, submit, withOptions } from '@clustrix/core';
import { getCluster } from '@clustrix/core/jobs';
import { registerScheduler } from '@clustrix/core/scheduler';
import { testbedSshProfile } from '@clustrix/scheduler-test-suite';
import { ENDED_WITHOUT_STATUS, parseQstatFull, scheduler } from '@clustrix/schedulers-pbs';
import { PbsJobs } from './jobs.js';
import { untilSleeping } from './started.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-pbs-'));
chmodSync(root, 0o755);
const PROFILE = { scheduler: 'pbs', flavour: 'torque', pollMinMs: 100, pollMaxMs: 1000, ...testbedSshProfile('pbsuser') };

beforeAll(() => {
  registerScheduler(scheduler);
  configure(
    { defaultCluster: 'pbs', cacheDir: join(root, 'cache'), clusters: { pbs: PROFILE as never, oddroot: { ...PROFILE, remoteRoot: '/tmp/clustrix pbs odd' } as never } },
    { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') },
  );
});
afterAll(() => shutdown());

const jobs = new PbsJobs();

/** `qstat -f ID` through the cluster's own transport (the wrappers keep ended jobs for SLURM's MinJobAge). */
async function qstat(id: string): Promise<Map<string, string>> {
  const rt = await getCluster('pbs');
  const out = await rt.transport.exec(['qstat', '-f', id]);
  return parseQstatFull(out.stdout)[0]?.attrs ?? new Map();
}

describe('PBS (torque flavour) on the wrappers, as pbsuser over SSH', () => {
  test('resources and a job name with a space reach qsub through #PBS directives; PBS sees its own job id', async () => {
    const h = await withOptions({ cpus: 2, time: '5m', memory: '600M', jobName: 'has space; echo x' }, () => submit(() => jobs.where('hi')));
    const r = await h.result();
    expect(r).toMatchObject({ tag: 'hi', pbsJobId: h.schedulerJobId, jobName: 'has_space__echo_x', index: undefined });
    const attrs = await qstat(h.schedulerJobId!);
    expect(attrs.get('job_name')).toBe('has_space__echo_x');
    expect(attrs.get('resource_list.walltime')).toBe('00:05:00');
    expect(attrs.get('resource_list.ncpus')).toBe('2');
  }, 120_000);

  test('a map is ONE array job; each item gets its 0-based index and its own logs/<i>.out', async () => {
    const items = [10, 11, 12, 13, 14, 15];
    const batch = map(items, (x) => jobs.item(x), { progress: false });
    const results = await batch;
    expect(results.map((r) => r.x)).toEqual(items);
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results.map((r) => r.arrayIndex)).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(new Set(batch.jobs.map((j) => j.schedulerJobId)).size).toBe(1);
    const rt = await getCluster('pbs');
    const ref = await batch.jobs[0]!.submitted();
    const logs = await rt.transport.readFiles([`${ref.jobDir}/logs/3.out`]);
    expect(logs.get(`${ref.jobDir}/logs/3.out`)?.toString('utf8')).toContain('item 13 says hello');
  }, 180_000);

  test('a map of one item is a plain job (no PBS array index) that still runs item 0', async () => {
    expect(await map([7], (x) => jobs.item(x), { progress: false })).toEqual([{ x: 7, index: 0 }]);
  }, 60_000);

  test('a queue that does not exist: SubmitError with qsub\'s own words, nothing left outstanding', async () => {
    const err = await withOptions({ queue: 'nosuch' }, () => jobs.where('q')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubmitError);
    expect((err as SubmitError).message).toMatch(/^\[clustrix\] \[pbs\] qsub refused job [\s\S]*invalid partition specified: nosuch/);
    expect((await getCluster('pbs')).watcher.outstanding).toBe(0);
  }, 60_000);

  test('a job folder the wrappers would mangle is refused before qsub, naming remoteRoot', async () => {
    const err = await withOptions({ cluster: 'oddroot' }, () => jobs.where('odd')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/cannot be given to qsub -o\/-e.*Set `remoteRoot`/);
    expect((await getCluster('oddroot')).watcher.outstanding).toBe(0);
  }, 60_000);

  test('over its memory (-l mem, enforced by the SLURM underneath): OutOfMemoryError from the kill line in stderr', async () => {
    const err = await withOptions({ memory: '200M' }, () => jobs.hog(800, 10)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect((err as OutOfMemoryError).message).toMatch(/ran out of memory \(C\): .*exceeded memory limit/);
  }, 120_000);

  test('deleted with qdel behind Clustrix\'s back: cancelled at once, and the error says what qstat could not', async () => {
    const h = await submit(() => jobs.sleepSaying(300));
    const ref = await h.submitted();
    const rt = await getCluster('pbs');
    await untilSleeping(rt.transport, ref.jobDir); // the job script runs, so slurmstepd has a step to write its line for
    expect((await rt.transport.exec(['qdel', ref.schedulerJobId])).code).toBe(0);
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).message).toContain(ENDED_WITHOUT_STATUS);
    expect((err as CancelledError).stderrTail).toMatch(/CANCELLED AT/);
  }, 120_000);
});
