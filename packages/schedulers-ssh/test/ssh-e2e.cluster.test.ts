// @cluster calls through the ssh scheduler to the real testbed sshd (scripts/testbed/sshd.sh).
// Everything on the host is checked with the system `ssh` client, not with Clustrix's transport.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AuthenticationError,
  CancelledError,
  ConfigError,
  HostKeyError,
  TimeLimitError,
  configure,
  map,
  shutdown,
  submit,
  withOptions,
} from '@clustrix/core';
import { getCluster } from '@clustrix/core/jobs';
import { writeFileSync } from 'node:fs';
import { SshScheduler } from '@clustrix/schedulers-ssh';
import { AS_ROOT, SSH_USER, SSH_USER2, TARGET, aliveOnHost, killServerSide, logOffset, logSince, onHost, sshProfile, waitFor } from '../../core/test/ssh-testbed.js';
import { QuotaError, Remote } from './fixtures/remote-jobs.js';

const run = `e${Date.now().toString(36)}`;
const base = `.clustrix-test/${run}`;
const home = `/home/${SSH_USER}`;
const local = mkdtempSync(join(tmpdir(), 'clustrix-ssh-e2e-'));
const emptyKnownHosts = join(local, 'known_hosts');
writeFileSync(emptyKnownHosts, '');

beforeAll(() => {
  configure(
    {
      defaultCluster: 'tb',
      clusters: {
        tb: { scheduler: 'ssh', ...sshProfile(), remoteRoot: `~/${base}/main` },
        counted: { scheduler: 'ssh', ...sshProfile({ user: SSH_USER2 }), remoteRoot: `~/${base}/counted` },
        fresh: { scheduler: 'ssh', ...sshProfile(), remoteRoot: `~/${base}/fresh` },
        stranger: { scheduler: 'ssh', ...sshProfile({ knownHostsFile: emptyKnownHosts }), remoteRoot: `~/${base}/stranger` },
        nodeless: { scheduler: 'ssh', ...sshProfile(), remoteRoot: `~/${base}/nodeless`, nodePath: '/opt/no-such-node/bin/node' },
      } as never,
    },
    { cwd: local, env: {}, home: local, systemDir: join(local, 'etc') },
  );
});

afterAll(async () => {
  await shutdown();
  onHost(`rm -rf ~/.clustrix-test/${run}`);
  onHost(`rm -rf ~/.clustrix-test/${run}`, SSH_USER2);
});

const r = new Remote('laptop');

describe('calls over SSH', () => {
  test('an @cluster call runs on the host, in a 0700 job folder under remoteRoot, and returns its result', async () => {
    const v = await r.hello(41);
    expect(v).toMatchObject({ x: 41, label: 'laptop', user: SSH_USER });
    expect(v.cwd).toMatch(new RegExp(`^${home}/${base}/main/jobs/\\d{8}-\\d{6}-[0-9a-f]{8}$`));
    expect(v.jobDir).toBe(v.cwd);
    expect(v.title).toBe('Remote.hello'); // `ps` on the host shows Class.method
    const modes = onHost(`stat -c '%a %U' '${v.cwd}' '${v.cwd}/job.json' '${v.cwd}/result.json' '${v.cwd}/stdout'; cat '${v.cwd}/exit_code'`).stdout;
    expect(modes).toBe(`700 ${SSH_USER}\n600 ${SSH_USER}\n600 ${SSH_USER}\n600 ${SSH_USER}\n0\n`);
    expect(aliveOnHost(v.pid)).toBe(false);
  }, 30_000);

  test('a thrown error comes back with its class and fields', async () => {
    const err = await r.overQuota(12).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaError);
    expect((err as QuotaError).used).toBe(12);
    expect((err as Error).stack).toContain('[clustrix] thrown in job');
  }, 30_000);

  test('`time` ends the job on the host: a TimeLimitError', async () => {
    const err = await withOptions({ time: 1 }, () => r.pidThenSleep(30_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeLimitError);
    expect((err as TimeLimitError).schedulerState).toBe('TIMEOUT');
  }, 30_000);

  test('map() over SSH: an array job, results in input order, each item sees its index', async () => {
    const out = await map([3, 1, 4, 1, 5], (n) => Remote.square(n));
    expect(out.map((o) => [o.n, o.square, o.index])).toEqual([
      [3, 9, 0],
      [1, 1, 1],
      [4, 16, 2],
      [1, 1, 3],
      [5, 25, 4],
    ]);
  }, 60_000);
});

describe('a script that never calls shutdown()', () => {
  test('exits by itself once its calls are done: an idle connection does not hold the process', async () => {
    const repo = fileURLToPath(new URL('../../..', import.meta.url));
    const config = { defaultCluster: 'tb', clusters: { tb: { scheduler: 'ssh', ...sshProfile(), remoteRoot: `~/${base}/child` } } };
    const started = Date.now();
    const child = spawnSync(join(repo, 'node_modules', '.bin', 'tsx'), ['--conditions=source', fileURLToPath(new URL('./fixtures/no-shutdown.ts', import.meta.url))], {
      cwd: repo,
      env: { ...process.env, CLUSTRIX_TEST_CONFIG: JSON.stringify(config) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe(`result 7 from ${SSH_USER}\n`);
    expect(child.status).toBe(0); // not killed by the 60 s timeout
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 90_000);
});

describe('one connection, code staged once', () => {
  test('20 concurrent calls share ONE connection: the server logs one login, one status command per poll cycle', async () => {
    const before = logOffset();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => withOptions({ cluster: 'counted' }, () => r.hello(i))));
    expect(results.map((v) => v.x)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(new Set(results.map((v) => v.user))).toEqual(new Set([SSH_USER2]));
    // wait for the server's log line of the login, not for a guessed delay
    const accepted = (lines: string[]) => lines.filter((l) => l.startsWith(`Accepted publickey for ${SSH_USER2} `));
    const log = await waitFor(() => (accepted(logSince(before)).length ? logSince(before) : undefined), 'the login in the sshd log');
    expect(accepted(log)).toHaveLength(1);
    expect(log.filter((l) => l.startsWith('Connection from ')).length).toBeGreaterThanOrEqual(1);
    const rt = await getCluster('counted');
    const sched = rt.scheduler as SshScheduler;
    expect(sched.statusQueries).toBeGreaterThan(0);
    expect(sched.statusQueries).toBeLessThanOrEqual(rt.watcher.cycles);
    expect(sched.load).toEqual({ used: 0, queued: 0 });
  }, 120_000);

  test('a second call of unchanged code uploads no bundle, in this process or the next runtime', async () => {
    await withOptions({ cluster: 'fresh' }, () => r.hello(1));
    const rt = await getCluster('fresh');
    expect(rt.stager.stats).toEqual({ bundleUploads: 1, runnerUploads: 1 });
    await withOptions({ cluster: 'fresh' }, () => r.hello(2));
    expect(rt.stager.stats).toEqual({ bundleUploads: 1, runnerUploads: 1 });
    const bundles = onHost(`ls ~/${base}/fresh/bundles | grep -c '\\.mjs$'`).stdout.trim();
    expect(bundles).toBe('1');
    await shutdown(); // a new runtime: it finds the bundle and runner on the host
    await withOptions({ cluster: 'fresh' }, () => r.hello(3));
    expect((await getCluster('fresh')).stager.stats).toEqual({ bundleUploads: 0, runnerUploads: 0 });
  }, 60_000);
});

describe('refused before anything runs', () => {
  test('an unknown host key: HostKeyError, and nothing was created on the host', async () => {
    const err = await withOptions({ cluster: 'stranger' }, () => r.hello(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as HostKeyError).fingerprint).toMatch(/^SHA256:/);
    expect((err as Error).message).toContain('clusters.stranger.hostKeyPolicy');
    expect(onHost(`test -e ~/${base}/stranger && echo exists || echo absent`).stdout).toBe('absent\n');
  }, 30_000);

  test('a wrong key: an AuthenticationError naming the host and the user', async () => {
    const wrong = join(local, 'wrong_key');
    const { execFileSync } = await import('node:child_process');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrong]);
    await expect(withOptions({ cluster: 'tb' }, () => r.hello(1))).resolves.toMatchObject({ x: 1, user: SSH_USER }); // the good profile still works
    configure(
      { clusters: { badkey: { scheduler: 'ssh', ...sshProfile({ identityFile: wrong }), remoteRoot: `~/${base}/badkey` } } as never },
      { cwd: local, env: {}, home: local, systemDir: join(local, 'etc') },
    );
    const e = await withOptions({ cluster: 'badkey' }, () => r.hello(1)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AuthenticationError);
    expect((e as Error).message).toContain(`cannot log in to ${SSH_USER}@${TARGET} as user '${SSH_USER}'`);
    expect(onHost(`test -e ~/${base}/badkey && echo exists || echo absent`).stdout).toBe('absent\n');
    configure(
      {
        defaultCluster: 'tb',
        clusters: {
          tb: { scheduler: 'ssh', ...sshProfile(), remoteRoot: `~/${base}/main` },
          nodeless: { scheduler: 'ssh', ...sshProfile(), remoteRoot: `~/${base}/nodeless`, nodePath: '/opt/no-such-node/bin/node' },
        } as never,
      },
      { cwd: local, env: {}, home: local, systemDir: join(local, 'etc') },
    );
  }, 30_000);

  test('no Node on the host: a ConfigError naming the host, what was tried and the key to set; nothing submitted', async () => {
    const err = await withOptions({ cluster: 'nodeless' }, () => r.hello(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.keyPath).toBe('clusters.nodeless.nodePath');
    expect(e.message).toContain(`no usable Node.js on ${SSH_USER}@${TARGET}: Node.js was not found when running \`'/opt/no-such-node/bin/node' -p process.versions.node\``);
    expect(e.message).toContain("clusters.nodeless.setup (e.g. 'module load nodejs/20')");
    expect(onHost(`ls ~/${base}/nodeless/jobs 2>/dev/null | wc -l`).stdout.trim()).toBe('0');
  }, 30_000);
});

describe('jobs outlive connections; cancel kills them', () => {
  // Needs root: it kills the sshd process serving our connection (see AS_ROOT).
  (AS_ROOT ? test : test.skip)('the connection killed mid-job (its sshd process): the call still returns its result', async () => {
    const h = await submit(() => r.pidThenSleep(6000));
    const jobDir = `${home}/${base}/main/jobs/${h.id}`;
    const pid = Number(await waitFor(() => onHost(`cat '${jobDir}/pid' 2>/dev/null`).stdout.trim(), 'the job to start'));
    const rt = await getCluster('tb');
    const conn = (rt.transport as unknown as { connection: { stats: { localPorts: number[]; reconnects: number } } }).connection;
    const port = conn.stats.localPorts.at(-1)!;
    expect(killServerSide(port).length).toBeGreaterThan(0);
    expect(aliveOnHost(pid)).toBe(true); // the job did not die with the connection
    await expect(h.result()).resolves.toBe(pid);
    expect(conn.stats.reconnects).toBeGreaterThanOrEqual(1);
  }, 60_000);

  test('an AbortSignal kills the remote process (ps on the host says it is gone)', async () => {
    const ac = new AbortController();
    const h = await submit(() => r.pidThenSleep(60_000), { signal: ac.signal });
    const jobDir = `${home}/${base}/main/jobs/${h.id}`;
    const pid = Number(await waitFor(() => onHost(`cat '${jobDir}/pid' 2>/dev/null`).stdout.trim(), 'the job to start'));
    expect(aliveOnHost(pid)).toBe(true);
    ac.abort();
    await expect(h.result()).rejects.toBeInstanceOf(CancelledError);
    await waitFor(() => !aliveOnHost(pid), `pid ${pid} to be gone`, 10_000);
    // nothing of its process group is left running either (zombies, waiting for init to reap them, do not count)
    const pgid = onHost(`cat '${jobDir}/.clustrix-ssh/pid.job'`).stdout.trim();
    expect(pgid).toMatch(/^\d+$/);
    expect(onHost(`ps -e -o pgid=,stat= | awk '$1 == ${pgid} && $2 !~ /^Z/' | wc -l`).stdout.trim()).toBe('0');
  }, 60_000);
});
