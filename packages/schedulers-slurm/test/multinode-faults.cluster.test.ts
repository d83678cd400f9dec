// Real faults on the 3-node SLURM cluster "mn" (scripts/testbed/slurm-multinode.sh), through the local
// transport (this machine is the login node; the profile's `slurmConf` points every command at mn):
// a node dies mid-job (requeued → result; requeue off → NodeFailError naming the node), preemption by a
// higher-priority partition (requeued; checkpoint() state survives), a 2-node job (allocation, srun
// across both), slurmctld restarted under 50 outstanding jobs. Asserted from events, records, SLURM's
// own accounting and job output, never from the clock. Needs root: it kills daemons and job processes.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure, NodeFailError, onJobEvent, shutdown, submit, withOptions, type JobEvent } from '@clustrix/core';
import { getJob } from '@clustrix/core/jobs';
import { runCli } from '../../cli/test/run-cli.js';
import { Counter, NodeWork } from './multinode-jobs.js';
import { AS_ROOT, MN_CONF, MN_ENV, allNodesUp, killNode, nodesOf, restartSlurmctld, sacctJobsNamed, until } from './multinode-testbed.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-mn-'));
chmodSync(root, 0o755);
const base = { scheduler: 'slurm', slurmConf: MN_CONF, pollMinMs: 200, pollMaxMs: 1000 };
const CONFIG = {
  defaultCluster: 'mn',
  remoteRoot: join(root, 'remote'),
  registryDir: join(root, 'registry'),
  clusters: { mn: base, mnNoRequeue: { ...base, requeue: false } },
};
writeFileSync(join(root, 'package.json'), '{"name":"mn-test","private":true}');
writeFileSync(join(root, '.clustrixrc.json'), JSON.stringify(CONFIG));
const CLI_ENV = { CLUSTRIX_USER_CONFIG_DIR: join(root, 'user'), CLUSTRIX_SYSTEM_CONFIG_DIR: join(root, 'etc') };
configure(CONFIG, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });

const events: Array<JobEvent & { at: Date }> = [];
let off: () => void = () => undefined;
beforeAll(() => {
  off = onJobEvent((e) => void events.push(e));
});
afterAll(async () => {
  off();
  await shutdown();
});
const eventsOf = (jobId: string) => events.filter((e) => e.jobId === jobId);
const stdoutOf = (jobId: string) => readFileSync(join(root, 'remote', 'jobs', jobId, 'stdout'), 'utf8');

const suite = AS_ROOT ? describe : describe.skip; // skipped only when not root: killing daemons needs root
suite('multi-node SLURM: real faults', () => {
  const w = new NodeWork();
  afterEach(() => allNodesUp(), 120_000);

  test('a node dies mid-job: SLURM requeues it, the call still returns; `requeued` event, `clustrix status`, both runs in stdout', async () => {
    const h = await submit(() => w.work('survivor', 6));
    const ref = await h.submitted();
    // the method has started (its first line is in stdout): kill the node it runs on
    await until(() => { try { return stdoutOf(h.id).includes('run of survivor'); } catch { return false; } });
    const node = nodesOf(ref.schedulerJobId);
    expect(node).toMatch(/^n\d$/);
    const killed = killNode(node);
    expect(killed.procs.length).toBeGreaterThan(0);
    const r = await h.result();
    expect(r.tag).toBe('survivor');
    expect(r.restarts).toBeGreaterThanOrEqual(1);
    expect(r.node).not.toBe(node);
    const kinds = eventsOf(h.id).map((e) => (e.type === 'state' ? `state:${e.state}` : e.type));
    expect(kinds).toContain('requeued');
    expect(kinds.indexOf('requeued')).toBeGreaterThan(kinds.indexOf('state:running'));
    expect(kinds.filter((k) => k === 'submitted')).toHaveLength(1); // SLURM ran it again, Clustrix submitted nothing more
    const rec = await getJob(h.id);
    expect(rec?.state).toBe('completed');
    expect(rec?.requeues?.count).toBeGreaterThanOrEqual(1);
    const status = await runCli(['--cwd', root, 'status', h.id], { env: CLI_ENV, timeoutMs: 60_000 });
    expect(status.stdout).toMatch(/requeued\s+\d+ times? by the scheduler/);
    // --open-mode=append: the killed run's line is still there, before the rerun's
    expect(stdoutOf(h.id)).toMatch(new RegExp(`run of survivor on ${node} restart 0\\n(.|\\n)*run of survivor on n\\d restart [1-9]`));
  }, 180_000);

  test('requeue: false (--no-requeue): the node\'s death is a NodeFailError naming the node', async () => {
    const h = await withOptions({ cluster: 'mnNoRequeue' }, () => submit(() => w.work('doomed', 60)));
    const ref = await h.submitted();
    await until(() => { try { return stdoutOf(h.id).includes('run of doomed'); } catch { return false; } });
    const node = nodesOf(ref.schedulerJobId);
    expect(killNode(node).procs.length).toBeGreaterThan(0);
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeFailError);
    expect((err as NodeFailError).schedulerState).toBe('NODE_FAIL');
    expect((err as Error).message).toContain(`on node ${node}`);
    expect(err).toMatchObject({ code: 'NODE_FAIL', node });
    expect(eventsOf(h.id).some((e) => e.type === 'requeued')).toBe(false);
    expect((await getJob(h.id))?.state).toBe('node_fail');
  }, 180_000);

  test('preemption by the high partition requeues the job; checkpoint() state survives the requeue', async () => {
    const c = new Counter();
    const h = await withOptions({ partition: 'low', checkpoints: 1 }, () => submit(() => c.countTo(60)));
    const ref = await h.submitted();
    await until(() => eventsOf(h.id).some((e) => e.type === 'state' && e.state === 'running') && nodesOf(ref.schedulerJobId));
    // let it count a little, then take every node for a job of the high partition
    await new Promise((r) => setTimeout(r, 3000)); // let it count (not asserted: the result says how far it got)
    const high = execFileSync('sbatch', ['--parsable', '-p', 'high', '-N3', '--exclusive', '-o', '/dev/null', '-J', 'mn-preemptor', '--wrap', 'sleep 2'], { env: MN_ENV, encoding: 'utf8' }).trim();
    expect(high).toMatch(/^\d+/);
    const r = await h.result();
    expect(r.count).toBe(60);
    expect(r.restarts).toBeGreaterThanOrEqual(1);
    expect(r.resumedAt).toBeGreaterThan(0); // it went on from the saved count, not from 0
    expect(eventsOf(h.id).some((e) => e.type === 'requeued')).toBe(true);
    expect(readFileSync(join(root, 'remote', 'jobs', h.id, 'stderr'), 'utf8')).toContain('resuming from the state checkpoint() saved at the requeue');
  }, 180_000);

  test('nodes: 2 — jobEnvironment().allocation lists both nodes and this one\'s rank; srun runs on both', async () => {
    const r = (await withOptions({ nodes: 2 }, () => w.spread())) as { allocation: { nodes: string[]; node: string; rank: number; nodeCount: number }; srun: string[] };
    expect(r.allocation.nodeCount).toBe(2);
    expect(r.allocation.nodes).toHaveLength(2);
    expect(r.allocation.rank).toBe(0);
    expect(r.allocation.node).toBe(r.allocation.nodes[0]);
    expect(r.srun).toEqual(r.allocation.nodes.map((n, i) => `${n} ${i}`));
  }, 120_000);

  test('slurmctld restarted while 50 jobs are outstanding: all 50 results, one submission each', async () => {
    const tag = `mn-ctld-${process.pid}`;
    const handles = await Promise.all(Array.from({ length: 50 }, (_, i) => withOptions({ jobName: tag }, () => submit(() => w.square(i, 1500)))));
    await Promise.all(handles.map((h) => h.submitted()));
    const endedBefore = handles.filter((h) => eventsOf(h.id).some((e) => e.type === 'done')).length;
    await restartSlurmctld();
    expect(endedBefore).toBeLessThan(50); // the restart came while jobs were outstanding
    const results = await Promise.all(handles.map((h) => h.result()));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * i));
    expect(sacctJobsNamed(tag)).toHaveLength(50);
    for (const h of handles) expect(eventsOf(h.id).filter((e) => e.type === 'submitted')).toHaveLength(1);
  }, 300_000);
});
