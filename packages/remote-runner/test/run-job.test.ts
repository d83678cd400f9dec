// The runner on its own, as a node runs it: a job folder written by hand, `clustrix-runner <jobDir>` started as a child
// process (its source bundled with esbuild, as core does in a checkout), and what it leaves behind: the result or
// error file, the exit code, checkpoint.json on SIGUSR1, and the requeue checkpoint on SIGTERM under SLURM.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { deserialize, jobFiles, PROTOCOL_VERSION, RUNNER_EXIT, serialize, type CheckpointFile, type ErrorFile, type JobFile, type ResultFile } from '@clustrix/wire';

const root = mkdtempSync(join(tmpdir(), 'clustrix-runner-'));
const runner = join(root, 'clustrix-runner.mjs');

// `run(step)` adds step to this.n; below 10 it marks that it started and waits (for a signal); checkpoint() adds 100.
const BUNDLE = `import { writeFileSync } from 'node:fs';
export class Counter {
  async run(step) {
    this.n += step;
    if (this.n >= 10) return this.n;
    setInterval(() => undefined, 60_000);
    writeFileSync('started', String(this.n));
    return new Promise(() => undefined);
  }
  async fail() {
    throw new RangeError('n is ' + this.n);
  }
  checkpoint() {
    return { n: this.n + 100 };
  }
}
`;

beforeAll(async () => {
  await build({
    entryPoints: [fileURLToPath(new URL('../src/main.ts', import.meta.url))],
    outfile: runner,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['source'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'silent',
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let jobs = 0;
function jobFolder(method: string, n: number, extra: Partial<JobFile> = {}): string {
  const jobId = `job${++jobs}`;
  const dir = join(root, 'jobs', jobId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'bundle.mjs'), BUNDLE);
  const job: JobFile = {
    protocol: PROTOCOL_VERSION,
    jobId,
    cluster: 'test',
    scheduler: 'slurm',
    bundle: 'bundle.mjs',
    target: { exportName: 'Counter', className: 'Counter', method, static: false },
    instance: serialize({ n }),
    args: serialize([1]),
    submittedAt: new Date().toISOString(),
    ...extra,
  };
  writeFileSync(join(dir, jobFiles.job), JSON.stringify(job));
  return dir;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function startRunner(dir: string, env: NodeJS.ProcessEnv = {}): { child: ChildProcess; exit: Promise<Exit> } {
  const child = spawn(process.execPath, [runner, dir], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, exit };
}

/** Resolves once `file` exists (the method's own "started" mark), or rejects when the runner exits first. */
async function waitForFile(file: string, exit: Promise<Exit>): Promise<void> {
  let exited: Exit | undefined;
  void exit.then((e) => (exited = e));
  while (!existsSync(file)) {
    if (exited) throw new Error(`the runner exited (${exited.code ?? exited.signal}) before ${file} appeared:\n${exited.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

describe('clustrix-runner', () => {
  test('runs the method on the rebuilt instance and writes result.json; exit 0', async () => {
    const dir = jobFolder('run', 41);
    const { code } = await startRunner(dir).exit;
    expect(code).toBe(RUNNER_EXIT.ok);
    const result = readJson<ResultFile>(join(dir, jobFiles.result()));
    expect(deserialize(result.value)).toBe(42);
    expect(result.protocol).toBe(PROTOCOL_VERSION);
  });

  test('a method that throws: error.json with the class and message; exit 1', async () => {
    const dir = jobFolder('fail', 7);
    const { code } = await startRunner(dir).exit;
    expect(code).toBe(RUNNER_EXIT.methodThrew);
    const { error } = readJson<ErrorFile>(join(dir, jobFiles.error()));
    expect(error).toMatchObject({ className: 'RangeError', message: 'n is 7' });
    expect(error.setup).toBeUndefined();
  });

  test('a job folder of another protocol version is a setup failure naming both versions; exit 70', async () => {
    const dir = jobFolder('run', 41, { protocol: PROTOCOL_VERSION + 1 });
    const { code } = await startRunner(dir).exit;
    expect(code).toBe(RUNNER_EXIT.setupFailed);
    const { error } = readJson<ErrorFile>(join(dir, jobFiles.error()));
    expect(error.setup).toBe(true);
    expect(error.message).toContain(`protocol ${PROTOCOL_VERSION + 1} but this runner speaks ${PROTOCOL_VERSION}`);
    expect(existsSync(join(dir, jobFiles.result()))).toBe(false);
  });

  test('SIGUSR1 writes what checkpoint() returns to checkpoint.json and no result; exit 75', async () => {
    const dir = jobFolder('run', 0, { checkpoint: {} });
    const { child, exit } = startRunner(dir);
    await waitForFile(join(dir, 'started'), exit);
    child.kill('SIGUSR1');
    const { code } = await exit;
    expect(code).toBe(RUNNER_EXIT.checkpointed);
    const file = readJson<CheckpointFile>(join(dir, jobFiles.checkpoint()));
    expect(file.trigger).toBe('SIGUSR1');
    expect(deserialize(file.state)).toEqual({ n: 101 });
    expect(existsSync(join(dir, jobFiles.result()))).toBe(false);
  });

  test('a checkpoint request noted before the runner listened (checkpoint_asked) is taken as SIGUSR1; runner_listening is written', async () => {
    const dir = jobFolder('run', 0, { checkpoint: {} });
    writeFileSync(join(dir, jobFiles.checkpointAsked()), '');
    const { code, stderr } = await startRunner(dir).exit;
    expect(code).toBe(RUNNER_EXIT.checkpointed);
    expect(existsSync(join(dir, jobFiles.runnerListening()))).toBe(true);
    const file = readJson<CheckpointFile>(join(dir, jobFiles.checkpoint()));
    expect(file.trigger).toBe('SIGUSR1');
    expect(deserialize(file.state)).toEqual({ n: 100 }); // checkpoint() of the instance as rebuilt: the method had not run yet
    expect(stderr).not.toContain('Debugger listening');
  });

  test('without a request, the runner only says it listens (runner_listening) and runs to its result', async () => {
    const dir = jobFolder('run', 10, { checkpoint: {} });
    const { code } = await startRunner(dir).exit;
    expect(code).toBe(0);
    expect(existsSync(join(dir, jobFiles.runnerListening()))).toBe(true);
    expect(existsSync(join(dir, jobFiles.checkpoint()))).toBe(false);
  });

  test('under SLURM, SIGTERM saves checkpoint() for a requeue and dies of it; the rerun resumes from it once', async () => {
    const dir = jobFolder('run', 0, { checkpoint: {} });
    const first = startRunner(dir, { SLURM_JOB_ID: '77' });
    await waitForFile(join(dir, 'started'), first.exit);
    first.child.kill('SIGTERM');
    expect((await first.exit).signal).toBe('SIGTERM');
    const saved = readJson<{ state: Parameters<typeof deserialize>[0] }>(join(dir, 'requeue', 'job.json'));
    expect(deserialize(saved.state)).toEqual({ n: 101 });

    const rerun = await startRunner(dir, { SLURM_JOB_ID: '77', SLURM_RESTART_COUNT: '1' }).exit;
    expect(rerun.code).toBe(RUNNER_EXIT.ok);
    expect(deserialize(readJson<ResultFile>(join(dir, jobFiles.result())).value)).toBe(102);
    expect(existsSync(join(dir, 'requeue', 'job.json'))).toBe(false);
    expect(existsSync(join(dir, 'requeue', 'job.json.used-1'))).toBe(true);
  });
});
