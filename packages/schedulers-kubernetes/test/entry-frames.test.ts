// The payload and the pod entry without Kubernetes: planPayload packs a job folder, the real
// pod/entry.mjs stages it into a writable root, runs a stand-in runner (a real process), and
// frames the results into its output; parseFrames reads them back, checked.
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDone, parseFrames } from '../src/frames.js';
import { planPayload } from '../src/payload.js';
import { KubeTransport } from '../src/transport.js';

const POD_ROOT = '/clustrix/.clustrix';
const temp = mkdtempSync(join(tmpdir(), 'clustrix-entry-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

// Stands in for clustrix-runner: reads job.json, follows its (relative) bundle path, writes the result.
const RUNNER = `
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
const jobDir = process.argv[2];
const job = JSON.parse(readFileSync(jobDir + '/job.json', 'utf8'));
const index = process.env.JOB_COMPLETION_INDEX;
const out = index === undefined ? 'result.json' : 'results/' + index + '.json';
const size = Number(process.env.SIZE ?? 0);
process.stderr.write('warming up\\n');
console.log('::clustrix:fake:done {"lines":0}');
if (process.env.HANG) {
  if (process.env.STARTED) writeFileSync(process.env.STARTED, String(process.pid)); // the test's cue: the command runs
  setInterval(() => {}, 1000);
}
else {
  writeFileSync(jobDir + '/' + out, JSON.stringify({ bundle: readFileSync(resolve(jobDir, job.bundle), 'utf8'), cwd: process.cwd(), foo: process.env.FOO ?? null, pad: 'z'.repeat(size) }));
  process.exit(Number(process.env.EXIT ?? 0));
}
`;

interface EntryRun {
  stdout: string;
  code: number | null;
  hostRoot: string;
}

async function runEntry(options: { count?: number; env?: Record<string, string>; setup?: string[]; onStart?: (pid: number) => void } = {}): Promise<EntryRun> {
  const dir = mkdtempSync(join(temp, 'run-'));
  writeFileSync(join(dir, 'runner.mjs'), RUNNER);
  writeFileSync(join(dir, 'bundle.mjs'), 'export const answer = 42;\n');
  const t = new KubeTransport('test');
  await t.put(join(dir, 'runner.mjs'), `${POD_ROOT}/runner/v1/clustrix-runner.mjs`, { mode: 0o644 });
  await t.put(join(dir, 'bundle.mjs'), `${POD_ROOT}/bundles/abc.mjs`, { mode: 0o644 });
  const jobDir = `${POD_ROOT}/jobs/j1`;
  await t.writeFiles(jobDir, { 'job.json': JSON.stringify({ protocol: 1, jobId: 'j1', bundle: `${POD_ROOT}/bundles/abc.mjs` }), ...(options.count ? { 'items/0.json': '{}', 'results/': '' } : {}) });
  const command = ['node', `${POD_ROOT}/runner/v1/clustrix-runner.mjs`, jobDir];
  const plan = await planPayload({
    transport: t,
    root: POD_ROOT,
    request: { jobId: 'j1', jobDir, command, options: options.setup ? { setup: options.setup } : {}, ...(options.count ? { count: options.count } : {}) },
    name: 'j1-payload',
    kind: 'configmap',
    nonce: 'n0nce',
    indexEnv: 'JOB_COMPLETION_INDEX',
    indexBase: 0,
  });
  const payloadDir = join(dir, 'payload');
  const hostRoot = join(dir, 'root');
  mkdirSync(payloadDir);
  mkdirSync(hostRoot);
  for (const [k, v] of plan.entries) writeFileSync(join(payloadDir, k), v, { mode: 0o444 });
  const host = (p: string) => p.replace(POD_ROOT, hostRoot);
  const child = spawn('node', [join(payloadDir, 'entry.mjs'), payloadDir, hostRoot, '--', ...command.map(host)], {
    env: { PATH: process.env.PATH, ...options.env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  options.onStart?.(child.pid!);
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  return { stdout, code, hostRoot };
}

describe('pod entry and frames', () => {
  test('stages the payload, runs the command in the job folder, frames result, exit code and stderr tail', async () => {
    const run = await runEntry({ env: { EXIT: '0' } });
    expect(run.code).toBe(0);
    const framed = parseFrames(run.stdout, 'n0nce');
    expect(framed.problems).toEqual([]);
    expect(framed.done).toEqual({ lines: expect.any(Number), exitCode: 0, signal: null, oomKilled: false });
    const result = JSON.parse(framed.files.get('result.json')!.toString()) as { bundle: string; cwd: string };
    expect(result.bundle).toBe('export const answer = 42;\n');
    expect(result.cwd).toBe(join(run.hostRoot, 'jobs/j1'));
    expect(framed.files.get('exit_code')!.toString()).toBe('0\n');
    expect(framed.files.get('stderr')!.toString()).toBe('warming up\n');
    // job.json now points at the bundle relatively, and the job folder is private.
    expect(JSON.parse(readFileSync(join(run.hostRoot, 'jobs/j1/job.json'), 'utf8')).bundle).toBe('../../bundles/abc.mjs');
    expect(statSync(join(run.hostRoot, 'jobs/j1')).mode & 0o777).toBe(0o700);
    // The last `lines + 1` lines hold every frame: what the scheduler's tail read fetches.
    const lines = run.stdout.trimEnd().split('\n');
    const tail = lines.slice(-(framed.done!.lines + 1)).join('\n');
    expect(findDone(tail, 'n0nce')).toEqual(framed.done);
    expect(parseFrames(tail, 'n0nce').files.get('result.json')).toEqual(framed.files.get('result.json'));
  });

  test('a large result spans many checked chunks, and damage is detected', async () => {
    const run = await runEntry({ env: { SIZE: String(3_000_000) } });
    const framed = parseFrames(run.stdout, 'n0nce');
    expect(framed.problems).toEqual([]);
    expect(JSON.parse(framed.files.get('result.json')!.toString()).pad).toHaveLength(3_000_000);
    const lines = run.stdout.split('\n');
    const dataAt = lines.findIndex((l) => l.startsWith('::clustrix:n0nce:data '));
    const dropped = [...lines.slice(0, dataAt), ...lines.slice(dataAt + 1)].join('\n');
    expect(parseFrames(dropped, 'n0nce').problems.join(';')).toMatch(/result\.json: \d+ of \d+ chunks in the log/);
    const flipped = [...lines];
    flipped[dataAt] = flipped[dataAt]!.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'));
    expect(parseFrames(flipped.join('\n'), 'n0nce').files.has('result.json')).toBe(false);
  }, 30_000);

  test('an array task writes results/<JOB_COMPLETION_INDEX>.json', async () => {
    const run = await runEntry({ count: 3, env: { JOB_COMPLETION_INDEX: '2' } });
    const framed = parseFrames(run.stdout, 'n0nce');
    expect([...framed.files.keys()].sort()).toEqual(['exit_codes/2', 'logs/2.err', 'results/2.json']);
  });

  test('setup lines run first, in the same shell as the command', async () => {
    const run = await runEntry({ setup: ['FOO="from setup"', 'export FOO'] });
    expect(JSON.parse(parseFrames(run.stdout, 'n0nce').files.get('result.json')!.toString()).foo).toBe('from setup');
  });

  test('a non-zero exit is passed on and reported', async () => {
    const run = await runEntry({ env: { EXIT: '3' } });
    expect(run.code).toBe(3);
    expect(parseFrames(run.stdout, 'n0nce').done).toMatchObject({ exitCode: 3 });
  });

  test('SIGTERM reaches the command; the entry still reports, then exits 143', async () => {
    let pid = 0;
    const started = join(temp, 'hang.started');
    const pending = runEntry({ env: { HANG: '1', STARTED: started }, onStart: (p) => (pid = p) });
    // SIGTERM once the command runs (it wrote its marker), not after a guessed delay
    while (!existsSync(started)) await new Promise((r) => setTimeout(r, 10));
    process.kill(pid, 'SIGTERM');
    const run = await pending;
    expect(run.code).toBe(143);
    expect(parseFrames(run.stdout, 'n0nce').done).toMatchObject({ exitCode: 143, signal: 'SIGTERM' });
  });
});
