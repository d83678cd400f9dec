// Unit tests of the pieces the multi-node fault tests rely on: the SLURM profile keys (slurmConf,
// requeue), --open-mode=append, the node named in a NODE_FAIL report (sacct line captured on the mn
// testbed), requeue detection, the allocation from SLURM's environment, the requeue checkpoint file.
import { describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { NodeFailError, SubmitError, TransportError } from '@clustrix/core';
import { BatchScheduler, LocalTransport, normalizeResources, type BatchDialect, type BatchJobSpec, type ExecOptions } from '@clustrix/core/scheduler';
import { dialectForProfile, renderSlurmScript, slurmDialect, slurmOptionsShape, slurmReports } from '@clustrix/schedulers-slurm';
import { RequeueTracker } from '../../core/src/scheduler/requeue.js';
import { allocationFromEnv, expandHostlist } from '../../wire/src/allocation.js';
import { requeueable, takeRequeueCheckpoint } from '../../wire/src/requeue-checkpoint.js';

const spec = (profile: Record<string, unknown>): BatchJobSpec => ({
  jobId: 'j1',
  jobDir: '/home/u/.clustrix/jobs/j1',
  command: ['node', 'runner.mjs', '/home/u/.clustrix/jobs/j1'],
  resources: normalizeResources({}),
  profile,
});

describe('SLURM profile keys', () => {
  test('slurmConf runs every command with SLURM_CONF set; without it the dialect is unchanged', () => {
    const d = dialectForProfile(slurmDialect, { slurmConf: '/etc/slurm-mn/slurm.conf' });
    const env = ['env', 'SLURM_CONF=/etc/slurm-mn/slurm.conf'];
    expect(d.submitArgv('/x/job.sh', spec({}))).toEqual([...env, 'sbatch', '--parsable', '/x/job.sh']);
    expect(d.submitRefusedSafely).toBe(slurmDialect.submitRefusedSafely);
    expect(d.statusArgv(['7']).map((a) => a.slice(0, 3))).toEqual([[...env, 'squeue'], [...env, 'sacct']]);
    expect(d.cancelArgv(['7', '8'])).toEqual([...env, 'scancel', '7', '8']);
    expect(dialectForProfile(slurmDialect, {})).toBe(slurmDialect);
  });

  test('slurmConf must be an absolute path; requeue a boolean', () => {
    const shape = z.object(slurmOptionsShape).partial();
    expect(shape.safeParse({ slurmConf: 'slurm.conf' }).success).toBe(false);
    expect(shape.safeParse({ requeue: 'no' }).success).toBe(false);
    expect(shape.safeParse({ slurmConf: '/etc/slurm-mn/slurm.conf', requeue: false }).success).toBe(true);
  });

  test('requeue: false renders --no-requeue, true --requeue, unset neither; output is appended across runs', () => {
    expect(renderSlurmScript(spec({ requeue: false }))).toContain('#SBATCH --no-requeue\n');
    expect(renderSlurmScript(spec({ requeue: true }))).toContain('#SBATCH --requeue\n');
    const plain = renderSlurmScript(spec({}));
    expect(plain).not.toMatch(/--(no-)?requeue/);
    expect(plain).toContain('#SBATCH --open-mode=append\n');
    expect(plain).toContain('#SBATCH --export=NONE\n');
    // the profile's slurmConf goes with the job (and only it), so srun inside finds the same cluster
    expect(renderSlurmScript(spec({ slurmConf: '/etc/slurm-mn/slurm.conf' }))).toContain('#SBATCH --export=SLURM_CONF=/etc/slurm-mn/slurm.conf\n');
  });
});

describe('a node failure in the status', () => {
  test('NODE_FAIL names the node it happened on (sacct line captured on the mn testbed, job run with --no-requeue)', () => {
    const sacct = '5|NODE_FAIL|0:0|None|00:00:15|UNLIMITED|n1\n';
    const r = slurmReports([{ stdout: '', code: 0 }, { stdout: sacct, code: 0 }], ['5']).get('5');
    expect(r).toMatchObject({ state: 'node_fail', schedulerState: 'NODE_FAIL' });
    expect(r?.reason).toContain('on node n1');
  });

  test('NodeFailError: code NODE_FAIL, and the node taken from the message (or given)', () => {
    const e = new NodeFailError('[clustrix] [slurm] job j (slurm 5) failed because its node failed (NODE_FAIL): NODE_FAIL; on node n[1-2]; ran 00:00:15 of UNLIMITED', { scope: 'slurm' });
    expect(e).toMatchObject({ code: 'NODE_FAIL', node: 'n[1-2]' });
    expect(new NodeFailError('node died', { node: 'n3' }).node).toBe('n3');
    expect(new NodeFailError('node died').node).toBeUndefined();
  });
});

describe('slurmctld unreachable (restarting)', () => {
  test('sbatch refused by a restarting controller is run again (nothing was submitted); any other refusal is a SubmitError at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clustrix-sbatch-'));
    // a stand-in sbatch first on PATH: refuses twice as the real one does while slurmctld restarts, then prints an id
    const refuse = 'echo "sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)" >&2; exit 1';
    writeFileSync(join(dir, 'sbatch'), `#!/bin/sh\nn=$(cat ${dir}/n 2>/dev/null || echo 0); echo $((n + 1)) >${dir}/n\nif [ "$n" -lt 2 ]; then ${refuse}; fi\necho "42;mn"\n`, { mode: 0o755 });
    const saved = process.env.PATH;
    process.env.PATH = `${dir}:${saved}`;
    try {
      const s = new BatchScheduler(slurmDialect, new LocalTransport(), {});
      const request = { jobId: 'j1', jobDir: join(dir, 'j1'), command: ['true'], options: {} };
      mkdirSync(request.jobDir);
      expect((await s.submit(request)).schedulerJobId).toBe('42');
      expect(readFileSync(join(dir, 'n'), 'utf8').trim()).toBe('3');
      writeFileSync(join(dir, 'sbatch'), `#!/bin/sh\necho x >>${dir}/calls\necho "sbatch: error: Batch job submission failed: Invalid partition name specified" >&2; exit 1\n`, { mode: 0o755 });
      const err = await s.submit(request).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SubmitError);
      expect((err as Error).message).toMatch(/^\[clustrix\] \[slurm\] sbatch refused job j1 \(exit code 1\): .*Invalid partition name/);
      expect(readFileSync(join(dir, 'calls'), 'utf8')).toBe('x\n');
    } finally {
      process.env.PATH = saved;
    }
  }, 30_000);

  // real outputs: squeue against a slurm.conf whose SlurmctldPort nobody listens on; squeue of purged ids
  const down = { stdout: 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n', code: 1 };
  const purged = { stdout: 'slurm_load_jobs error: Invalid job id specified\n', code: 1 };
  const sacct = { stdout: '', code: 0 };

  test('a status cycle whose squeue could not reach slurmctld fails (the watcher asks again) instead of reporting jobs missing', () => {
    expect(() => slurmDialect.parseStatus([down, sacct], ['7'])).toThrow(TransportError);
    expect(() => slurmDialect.parseStatus([down, sacct], ['7'])).toThrow(/\[slurm\] squeue cannot reach slurmctld \(exit code 1\): .*connect failure/);
  });

  test('"Invalid job id" (every job purged from slurmctld) is an answer: sacct reports them', () => {
    const old = { stdout: '5|NODE_FAIL|0:0|None|00:00:15|UNLIMITED|n1\n', code: 0 };
    expect(slurmDialect.parseStatus([purged, old], ['5']).get('5')?.state).toBe('node_fail');
  });
});

describe('a long poll never skips the scheduler while a job has no report yet', () => {
  // Found by `pnpm soak`: with array tasks ending every second, every long poll saw a new exit-code
  // marker and skipped squeue/sacct (reusing the last reports), so a job submitted meanwhile was never
  // reported and ended `lost` after lostAfterPolls cycles. Run for real with /bin/sh; the dialect's
  // status command prints what a scheduler would.
  test('the wait (and its skip) is left out until every asked job has been reported once', async () => {
    const scripts: string[] = [];
    const local = new LocalTransport();
    const transport = Object.assign(Object.create(local) as LocalTransport, {
      exec: (argv: readonly string[], o: ExecOptions = {}) => {
        if (o.stdin !== undefined) scripts.push(String(o.stdin));
        return local.exec(argv, o);
      },
    });
    const dialect: BatchDialect = {
      ...slurmDialect,
      statusArgv: (ids) => [['printf', ids.map((id) => `${id}|RUNNING\n`).join('')]],
      parseStatus: (outs) => new Map(outs[0]!.stdout.trim().split('\n').map((l) => [l.split('|')[0]!, { state: 'running' as const, schedulerState: 'RUNNING' }])),
    };
    const s = new BatchScheduler(dialect, transport, {});
    const dir = mkdtempSync(join(tmpdir(), 'clustrix-lp-'));
    const ref = (id: string) => ({ jobId: `j${id}`, schedulerJobId: id, jobDir: join(dir, id) });
    expect((await s.status([ref('1')], { waitMs: 60 })).get('j1')?.state).toBe('running');
    expect(scripts.at(-1)).not.toContain('skipped'); // job 1 had never been reported
    await s.status([ref('1')], { waitMs: 60 });
    expect(scripts.at(-1)).toContain('skipped'); // now it may wait and skip
    expect((await s.status([ref('1'), ref('2')], { waitMs: 60 })).get('j2')?.state).toBe('running');
    expect(scripts.at(-1)).not.toContain('skipped'); // job 2 is new
  });
});

describe('requeue detection', () => {
  test('a single job: RUNNING then PENDING again is one requeue; pending → running → completed is none', () => {
    const t = new RequeueTracker();
    expect(t.see({ state: 'pending' })).toEqual([]);
    expect(t.see({ state: 'running', schedulerState: 'RUNNING' })).toEqual([]);
    expect(t.see({ state: 'pending', schedulerState: 'PENDING', reason: 'BeginTime' })).toEqual([{ schedulerState: 'PENDING', reason: 'BeginTime' }]);
    expect(t.see({ state: 'pending' })).toEqual([]);
    expect(t.see({ state: 'running' })).toEqual([]);
    expect(t.see({ state: 'completed' })).toEqual([]);
  });

  test('an array: only a task that went back from running counts, not the aggregate turning pending', () => {
    const t = new RequeueTracker();
    const tasks = (...s: string[]) => new Map(s.map((st, i) => [i, { state: st as 'running' }]));
    t.see({ state: 'running', tasks: tasks('running', 'pending', 'pending') });
    expect(t.see({ state: 'pending', tasks: tasks('completed', 'pending', 'pending') })).toEqual([]);
    t.see({ state: 'running', tasks: tasks('completed', 'running', 'running') });
    expect(t.see({ state: 'running', tasks: tasks('completed', 'pending', 'running') })).toEqual([{ task: 1 }]);
  });
});

describe('the allocation', () => {
  test('SLURM hostlists expand, zero padding kept', () => {
    expect(expandHostlist('n[1-3,7]')).toEqual(['n1', 'n2', 'n3', 'n7']);
    expect(expandHostlist('gpu[08-10],login1')).toEqual(['gpu08', 'gpu09', 'gpu10', 'login1']);
    expect(expandHostlist('n2')).toEqual(['n2']);
  });

  test('from SLURM\'s environment: nodes, this node, its rank, restarts; elsewhere one node, this host', () => {
    const env = { SLURM_JOB_NODELIST: 'n[1-2]', SLURMD_NODENAME: 'n2', SLURM_NODEID: '1', SLURM_RESTART_COUNT: '2' };
    expect(allocationFromEnv(env, 'vm')).toEqual({ nodes: ['n1', 'n2'], node: 'n2', rank: 1, nodeCount: 2, restarts: 2 });
    expect(allocationFromEnv({}, 'laptop')).toEqual({ nodes: ['laptop'], node: 'laptop', rank: 0, nodeCount: 1, restarts: 0 });
  });
});

describe('checkpoint() across a requeue', () => {
  test('only a rerun takes the saved state, once; the file is kept under another name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clustrix-requeue-'));
    mkdirSync(join(dir, 'requeue'));
    writeFileSync(join(dir, 'requeue', 'job.json'), JSON.stringify({ state: { count: 5 }, at: 'x', host: 'n1' }));
    expect(await takeRequeueCheckpoint(dir, undefined, {})).toBeUndefined();
    const taken = await takeRequeueCheckpoint(dir, undefined, { SLURM_RESTART_COUNT: '1' });
    expect(taken?.state).toEqual({ count: 5 });
    expect(existsSync(join(dir, 'requeue', 'job.json.used-1'))).toBe(true);
    expect(await takeRequeueCheckpoint(dir, undefined, { SLURM_RESTART_COUNT: '2' })).toBeUndefined();
  });

  test('SIGTERM saves a checkpoint only where SLURM may rerun the job', () => {
    expect(requeueable({ SLURM_JOB_ID: '7' })).toBe(true);
    expect(requeueable({ SLURM_JOB_ID: '7', SLURM_JOB_REQUEUE: '0' })).toBe(false);
    expect(requeueable({})).toBe(false);
  });
});
