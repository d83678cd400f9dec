// The client side of faults on the 3-node SLURM cluster "mn" (scripts/testbed/slurm-multinode.sh):
// the SSH connection to the login node cut mid-poll (the sshd child serving it killed, never the
// listener), and the submitting process SIGKILLed in the middle of a 200-item map (a new process
// attaches). Asserted from SLURM's accounting, the transport's counters and the registry. Needs root.
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attachBatch, configure, onJobEvent, shutdown, submit, withOptions, type JobEvent } from '@clustrix/core';
import { getCluster, getJob } from '@clustrix/core/jobs';
import { killServerSide, onHost, sshProfile } from '../../core/test/ssh-testbed.js';
import { NodeWork } from './multinode-jobs.js';
import { AS_ROOT, MN_CONF, sacctJobsNamed, until } from './multinode-testbed.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-mn-rec-'));
chmodSync(root, 0o755);
const base = { scheduler: 'slurm', slurmConf: MN_CONF, pollMinMs: 200, pollMaxMs: 1000 };
const CONFIG = {
  defaultCluster: 'mn',
  remoteRoot: join(root, 'remote'),
  registryDir: join(root, 'registry'),
  clusters: { mn: base, mnSsh: { ...base, ...sshProfile(), remoteRoot: `~/.clustrix-mn-test-${process.pid}` } },
};
configure(CONFIG, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
const events: Array<JobEvent & { at: Date }> = [];
const off = onJobEvent((e) => void events.push(e));
afterAll(async () => {
  off();
  await shutdown();
  onHost(`rm -rf ~/.clustrix-mn-test-${process.pid}`);
});

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');

/** Start the submitting child; resolves with its pid and the first JSON line it prints. */
function startChild(args: string[]): Promise<{ pid: number; first: Record<string, unknown>; exited: Promise<NodeJS.Signals | number | null> }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', join(here, 'multinode-child.ts'), ...args], {
      cwd: repo,
      env: { ...process.env, CLUSTRIX_TEST_CONFIG: JSON.stringify(CONFIG), CLUSTRIX_TEST_HOME: root, CLUSTRIX_NO_PROGRESS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const exited = new Promise<NodeJS.Signals | number | null>((r) => p.on('exit', (code, signal) => r(signal ?? code)));
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ pid: p.pid!, first: JSON.parse(out.split('\n')[0]!) as Record<string, unknown>, exited });
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => {
      if (!out.includes('\n')) reject(new Error(`child exited ${code} before printing: ${err}`));
    });
  });
}

const suite = AS_ROOT ? describe : describe.skip; // skipped only when not root: killing another user's sshd needs root
suite('multi-node SLURM: the client survives', () => {
  const w = new NodeWork();

  test('the SSH connection to the login node cut mid-poll: it reconnects, every result comes back, nothing is submitted twice', async () => {
    const tag = `mn-ssh-${process.pid}`;
    const rt = await getCluster('mnSsh');
    const stats = (rt.transport as unknown as { connection: { stats: { localPorts: number[]; reconnects: number } } }).connection.stats;
    const handles = await Promise.all(Array.from({ length: 10 }, (_, i) => withOptions({ cluster: 'mnSsh', jobName: tag }, () => submit(() => w.square(i, 4000)))));
    await Promise.all(handles.map((h) => h.submitted()));
    await until(() => handles.some((h) => events.some((e) => e.jobId === h.id && e.type === 'state' && e.state === 'running')));
    const before = stats.reconnects;
    const killed = killServerSide(stats.localPorts[stats.localPorts.length - 1]!);
    expect(killed.length).toBeGreaterThan(0);
    const results = await Promise.all(handles.map((h) => h.result()));
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => i * i));
    expect(stats.reconnects).toBeGreaterThan(before);
    expect(sacctJobsNamed(tag)).toHaveLength(10);
    for (const h of handles) expect(events.filter((e) => e.jobId === h.id && e.type === 'submitted')).toHaveLength(1);
  }, 240_000);

  test('the submitting process SIGKILLed during a 200-item map: a new process attachBatch()es and gets all 200 in order; the record ends completed', async () => {
    const child = await startChild(['map', '200', '300']);
    const jobId = child.first.jobId as string;
    // kill it once items have started to finish (result files appear), long before the last
    const results = join(root, 'remote', 'jobs', jobId, 'results');
    await until(() => existsSync(results) && readdirSync(results).length >= 3);
    process.kill(child.pid, 'SIGKILL');
    expect(await child.exited).toBe('SIGKILL');
    expect(readdirSync(results).length).toBeLessThan(200);
    const got = await attachBatch<number>(jobId);
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i * i));
    const state = await until(async () => {
      const r = await getJob(jobId);
      return r && r.state !== 'pending' && r.state !== 'running' ? r.state : undefined;
    }, 50, 200);
    expect(state).toBe('completed');
    expect((await getJob(jobId))?.attempts).toHaveLength(1);
  }, 300_000);
});
