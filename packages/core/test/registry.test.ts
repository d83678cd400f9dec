// The job registry on disk, the retry rules and the checkpoint signal plumbing, without a cluster.
import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderSlurmScript } from '@clustrix/schedulers-slurm';
import { CancelledError, JobFailedError, JobLostError, NodeFailError, PreemptedError, TimeLimitError } from '../src/errors.js';
import { backoffMs, classify, infrastructureFailure, matchesRetryOn, retryPolicyOf } from '../src/exec/run/retry-policy.js';
import { checkpointLeadSeconds } from '../src/options.js';
import { withFileLock } from '../src/registry/lock.js';
import { newJobRecord } from '../src/registry/record.js';
import { JobRegistry } from '../src/registry/store.js';
import { registryDirOf } from '../src/registry/index.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-registry-'));
const record = (id: string, extra: object = {}) => ({
  ...newJobRecord({ id, cluster: 'c', scheduler: 'local', target: { className: 'C', method: 'm', static: false }, profile: { env: { TOKEN: 'secret' } }, options: { env: { TOKEN: 'secret' }, time: '1h' } }),
  ...extra,
});

describe('JobRegistry', () => {
  test('create, read, update; a second create of an id fails; env values are not kept', async () => {
    const r = new JobRegistry(join(root, 'a'));
    await r.create(record('20261129-010000-00000001'));
    await expect(r.create(record('20261129-010000-00000001'))).rejects.toThrow(/already in the registry/);
    const read = (await r.read('20261129-010000-00000001'))!;
    expect(read.options.env).toEqual({ TOKEN: '(set)' });
    expect(read.profile.env).toEqual({ TOKEN: '(set)' });
    expect(readFileSync(join(root, 'a', 'jobs', '20261129-010000-00000001.json'), 'utf8')).not.toContain('secret');
    const updated = await r.update('20261129-010000-00000001', (x) => void (x.state = 'running'));
    expect(updated).toMatchObject({ state: 'running', rev: 1 });
    expect(await r.update('20261129-010000-00000001', () => false)).toMatchObject({ rev: 1 });
    expect(await r.read('nope')).toBeUndefined();
  });

  test('ids resolve from a unique start or end; an ambiguous part is an error naming the candidates', async () => {
    const r = new JobRegistry(join(root, 'b'));
    for (const id of ['20261129-010000-aaaa0001', '20261129-010000-bbbb0002', '20261130-020000-aaaa0003']) await r.create(record(id));
    expect(await r.resolveId('bbbb0002')).toBe('20261129-010000-bbbb0002');
    expect(await r.resolveId('20261130')).toBe('20261130-020000-aaaa0003');
    await expect(r.resolveId('20261129')).rejects.toThrow(/matches 2 jobs \(20261129-010000-bbbb0002, 20261129-010000-aaaa0001\); give more of the id/);
    await expect(r.resolveId('../../etc/passwd')).rejects.toThrow(/no job '..\/..\/etc\/passwd' in the registry/);
    expect((await r.list()).map((x) => x.id)).toEqual(['20261130-020000-aaaa0003', '20261129-010000-bbbb0002', '20261129-010000-aaaa0001']);
    expect((await r.list({ limit: 1 })).map((x) => x.id)).toEqual(['20261130-020000-aaaa0003']);
  });

  test('list filters by state and cluster and skips a stray temporary file', async () => {
    const r = new JobRegistry(join(root, 'c'));
    await r.create(record('20261129-010000-00000001', { state: 'completed' }));
    await r.create(record('20261129-010000-00000002', { state: 'failed', cluster: 'hpc' }));
    writeFileSync(join(root, 'c', 'jobs', '20261129-010000-00000003.json.tmp-1-abc'), '{"half');
    expect((await r.list({ state: ['failed'] })).map((x) => x.id)).toEqual(['20261129-010000-00000002']);
    expect((await r.list({ cluster: ['c'] })).map((x) => x.id)).toEqual(['20261129-010000-00000001']);
  });

  test('a key is claimed once; it moves only from the holder named', async () => {
    const r = new JobRegistry(join(root, 'd'));
    expect(await r.claimKey('k', 'job-1')).toBe(true);
    expect(await r.claimKey('k', 'job-2')).toBe(false);
    expect(await r.keyHolder('k')).toBe('job-1');
    expect(await r.replaceKey('k', 'job-9', 'job-2')).toBe(false);
    expect(await r.replaceKey('k', 'job-1', 'job-2')).toBe(true);
    expect(await r.keyHolder('k')).toBe('job-2');
  });

  test("a lock left by a dead process is broken; a live holder's is waited for", async () => {
    const lock = join(root, 'x.lock');
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((res) => dead.on('exit', res));
    writeFileSync(lock, `${dead.pid}\n${hostname()}\n${Date.now()}\n`);
    await expect(withFileLock(lock, async () => 'got it', { timeoutMs: 2000 })).resolves.toBe('got it');
    writeFileSync(lock, `${process.ppid}\n${hostname()}\n${Date.now()}\n`);
    await expect(withFileLock(lock, async () => 'never', { timeoutMs: 300 })).rejects.toThrow(/is held by another process for more than 0.3 s/);
  });

  test('a lock its owner was killed while taking (an empty file, from before locks were linked) is broken once it is a moment old', async () => {
    const lock = join(root, 'half.lock');
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    await expect(withFileLock(lock, async () => readFileSync(lock, 'utf8'), { timeoutMs: 300 })).resolves.toMatch(new RegExp(`^${process.pid}\n${hostname()}\n\\d+\n$`));
    expect(existsSync(lock)).toBe(false);
  });

  test('registryDir: ~ is the home folder given; the default is <home>/.clustrix/registry', () => {
    expect(registryDirOf({}, '/home/a')).toBe('/home/a/.clustrix/registry');
    expect(registryDirOf({ registryDir: '~/reg' }, '/home/a')).toBe('/home/a/reg');
    expect(registryDirOf({ registryDir: '/data/reg' }, '/home/a')).toBe('/data/reg');
  });
});

describe('which failures go again', () => {
  const policy = retryPolicyOf({ retries: 2, retryOn: ['FlakyError', 'ECONNRESET'] });
  const fresh = { retries: 0, resumes: 0 };
  class FlakyError extends Error {}
  class SubFlaky extends FlakyError {}

  test('infrastructure failures are retried, up to `retries`', () => {
    expect(classify({ ok: false, error: new NodeFailError('x') }, fresh, policy)).toEqual({ kind: 'retry', reason: 'its node failed' });
    expect(classify({ ok: false, error: new PreemptedError('x') }, fresh, policy).kind).toBe('retry');
    expect(classify({ ok: false, error: new JobLostError('x') }, fresh, policy).kind).toBe('retry');
    expect(infrastructureFailure(new JobFailedError('x', { exitCode: 137 }))).toBe('its runner was killed by signal 9 before writing a result');
    expect(classify({ ok: false, error: new NodeFailError('x') }, { retries: 2, resumes: 0 }, policy)).toEqual({ kind: 'final' });
  });

  test("the method's own failures are not, unless retryOn names them (class, parent class, code)", () => {
    expect(classify({ ok: false, error: new JobFailedError('x', { exitCode: 3 }) }, fresh, policy)).toEqual({ kind: 'final' });
    expect(classify({ ok: false, error: new TimeLimitError('x') }, fresh, policy)).toEqual({ kind: 'final' });
    expect(classify({ ok: false, error: new RangeError('x') }, fresh, policy)).toEqual({ kind: 'final' });
    expect(matchesRetryOn(new SubFlaky('x'), ['FlakyError'])).toBe(true);
    expect(matchesRetryOn(Object.assign(new Error('x'), { code: 'ECONNRESET' }), policy.retryOn)).toBe(true);
    expect(matchesRetryOn(new RangeError('x'), ['*'])).toBe(true);
    expect(matchesRetryOn(new CancelledError('x'), ['*'])).toBe(false);
    expect(classify({ ok: false, error: new NodeFailError('x') }, fresh, policy, true)).toEqual({ kind: 'final' });
  });

  test('a checkpoint is resumed up to `checkpoints` times', () => {
    const cp = { ok: false as const, error: new TimeLimitError('x'), checkpoint: { state: { json: {} }, trigger: 'SIGUSR1' } };
    expect(classify(cp, fresh, { ...policy, checkpoints: 1 })).toEqual({ kind: 'resume' });
    expect(classify(cp, { retries: 0, resumes: 1 }, { ...policy, checkpoints: 1 })).toEqual({ kind: 'final' });
  });

  test('backoff doubles from retryDelay, capped at 10 minutes, with at most 10% jitter', () => {
    const p = retryPolicyOf({ retryDelay: '30s' });
    expect(backoffMs(1, p, () => 0)).toBe(30_000);
    expect(backoffMs(3, p, () => 0)).toBe(120_000);
    expect(backoffMs(20, p, () => 0)).toBe(600_000);
    expect(backoffMs(1, p, () => 0.999)).toBeLessThanOrEqual(33_000);
  });
});

describe('the checkpoint signal', () => {
  test('lead: 60 s by default, at most half of `time`, none without checkpoints', () => {
    expect(checkpointLeadSeconds({ checkpoints: 3 })).toBe(60);
    expect(checkpointLeadSeconds({ checkpoints: 3, time: '1h', checkpointLead: '5m' })).toBe(300);
    expect(checkpointLeadSeconds({ checkpoints: 3, time: 40 })).toBe(20);
    expect(checkpointLeadSeconds({ checkpoints: 0, time: '1h' })).toBeUndefined();
    expect(checkpointLeadSeconds({ time: '1h' })).toBeUndefined();
  });

  const spec = { jobId: 'j', jobDir: join(root, 'job'), resources: { setup: [], modules: [], directives: [], timeSeconds: 600 }, profile: {} };

  test('the SLURM script asks for B:USR1 and forwards it to the runner, which it runs in the background', () => {
    const script = renderSlurmScript({ ...spec, command: ['node', 'r.mjs', spec.jobDir], signalBeforeEnd: { signal: 'USR1', seconds: 60 } });
    expect(script).toContain('#SBATCH --signal=B:USR1@60');
    // the trap comes before anything else runs; the runner starts in the background and a signal noted earlier is passed on
    expect(script).toMatch(/# clustrix job j\nasked= pid=\nforward\(\) \{[^\n]*\}\ntrap 'asked=1; forward' USR1\n/);
    expect(script).toContain(`'node' 'r.mjs' '${spec.jobDir}' &\npid=$!\n[ -z "$asked" ] || forward\n`);
    const plain = renderSlurmScript({ ...spec, command: ['node', 'r.mjs', spec.jobDir] });
    expect(plain).not.toContain('--signal');
    expect(plain).toContain(`'node' 'r.mjs' '${spec.jobDir}'\ncode=$?`);
  });

  /**
   * The job script of `renderSlurmScript` run by bash, around a stand-in runner that does what clustrix-runner does:
   * it handles SIGUSR1, writes runner_listening, and takes a checkpoint_asked note left before it listened. The stand-in
   * waits for the file `listen` before it installs its handler, and setup waits for `go`, so the test decides when
   * the signal comes. Its stderr is kept: a signal reaching Node before a handler prints "Debugger listening".
   */
  function startScript(name: string): { dir: string; out: () => string; err: () => string; bash: ReturnType<typeof spawn>; exit: Promise<number | null> } {
    const dir = join(root, name);
    const runnerSource = [
      "const fs = require('node:fs'); const d = process.argv[1];",
      "console.log('started');",
      "while (!fs.existsSync(d + '/listen')) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);",
      "process.on('SIGUSR1', () => { console.log('got USR1'); process.exit(75); });",
      "fs.writeFileSync(d + '/runner_listening', '');",
      "if (fs.existsSync(d + '/checkpoint_asked')) { console.log('got the note'); process.exit(75); }",
      "console.log('listening'); setTimeout(() => process.exit(0), 20000);",
    ].join(' ');
    const script = renderSlurmScript({
      ...spec,
      jobDir: dir,
      resources: { ...spec.resources, setup: ["echo setup; until [ -e go ]; do sleep 0.02; done"] },
      command: [process.execPath, '-e', runnerSource, dir],
      signalBeforeEnd: { signal: 'USR1', seconds: 60 },
    });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'job.sh'), script);
    const bash = spawn('bash', [join(dir, 'job.sh')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    bash.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    bash.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<number | null>((res) => bash.on('exit', (c) => res(c)));
    return { dir, out: () => out, err: () => err, bash, exit };
  }

  async function until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise((r) => setTimeout(r, 20));
  }

  test('run by bash, the script passes USR1 on to a listening runner; its exit code lands in the marker', async () => {
    const s = startScript('job-late-signal');
    writeFileSync(join(s.dir, 'go'), '');
    await until(() => s.out().includes('started'));
    writeFileSync(join(s.dir, 'listen'), '');
    await until(() => s.out().includes('listening'));
    s.bash.kill('SIGUSR1');
    expect(await s.exit).toBe(75);
    expect(s.out()).toContain('got USR1');
    expect(readFileSync(join(s.dir, 'exit_code'), 'utf8')).toBe('75\n');
  }, 30_000);

  test('a signal while setup still runs is kept: the script lives, and the runner finds the note when it listens', async () => {
    const s = startScript('job-early-signal');
    await until(() => s.out().includes('setup'));
    s.bash.kill('SIGUSR1');
    writeFileSync(join(s.dir, 'go'), '');
    await until(() => s.out().includes('started') && existsSync(join(s.dir, 'checkpoint_asked')));
    writeFileSync(join(s.dir, 'listen'), '');
    expect(await s.exit).toBe(75);
    expect(s.out()).toContain('got the note');
  }, 30_000);

  test('a signal after the runner started but before it listens is not passed to Node (no inspector), only noted', async () => {
    const s = startScript('job-startup-signal');
    writeFileSync(join(s.dir, 'go'), '');
    await until(() => s.out().includes('started'));
    s.bash.kill('SIGUSR1');
    await until(() => existsSync(join(s.dir, 'checkpoint_asked')));
    writeFileSync(join(s.dir, 'listen'), '');
    expect(await s.exit).toBe(75);
    expect(s.out()).toContain('got the note');
    expect(s.err()).not.toContain('Debugger listening');
  }, 30_000);
});
