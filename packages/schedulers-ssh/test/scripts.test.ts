// The ssh scheduler's shell scripts, run for real by /bin/sh on this machine (through the local
// transport, which spawns argv without a shell): launch, status, time limit, cancel, lost, arrays.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport } from '@clustrix/core/scheduler';
import {
  buildCancel,
  buildLaunch,
  buildProbe,
  buildStatus,
  buildWait,
  commandWithNodeOptions,
  parseLaunch,
  parseProbe,
  parseStatus,
  setupText,
  taskLines,
  taskStatusOf,
  type RawTaskState,
} from '@clustrix/schedulers-ssh';

const t = new LocalTransport();
const root = mkdtempSync(join(tmpdir(), 'clustrix-ssh-scripts-'));
const jobs = join(root, 'jobs');
let n = 0;
const started: number[] = [];

function newJob(): { id: string; dir: string } {
  const id = `job-${++n}`;
  const dir = join(jobs, id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { id, dir };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  try {
    // a zombie leader (nobody reaped it) counts as gone
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pgid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function launch(dir: string, command: string[], opts: { keys?: Array<'job' | number>; seconds?: number; setup?: string } = {}) {
  const r = await t.exec(buildLaunch({ jobDir: dir, setup: opts.setup ?? '', keys: opts.keys ?? ['job'], command, ...(opts.seconds ? { seconds: opts.seconds } : {}) }));
  expect(r.code).toBe(0);
  const parsed = parseLaunch(r.stdout);
  started.push(...parsed.started.values());
  return parsed;
}

async function status(id: string, keys: Array<'job' | number> = ['job']): Promise<RawTaskState[]> {
  const r = await t.exec(buildStatus(jobs), { stdin: taskLines(keys.map((key) => ({ jobId: id, key }))) });
  expect(r.stderr).toBe('');
  return parseStatus(r.stdout);
}

async function until(id: string, codes: string, keys: Array<'job' | number> = ['job'], ms = 15_000): Promise<RawTaskState[]> {
  const end = Date.now() + ms;
  for (;;) {
    const s = await status(id, keys);
    if (s.length === keys.length && s.every((x) => codes.includes(x.code))) return s;
    if (Date.now() > end) throw new Error(`still ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

afterAll(() => {
  for (const p of started) {
    try {
      process.kill(-p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

describe('launch and status', () => {
  test('a task runs detached in its own process group; status goes R then E with the exit code', async () => {
    const { id, dir } = newJob();
    // the task runs until the test releases it (an event, not a clock), so it is surely alive while we look at it
    const release = join(dir, 'release');
    const l = await launch(dir, ['/bin/sh', '-c', `echo out; echo err >&2; while [ ! -e '${release}' ]; do sleep 0.02; done; exit 3`]);
    const pgid = l.started.get('job')!;
    expect(pgid).toBeGreaterThan(1);
    expect('PR').toContain((await status(id))[0]!.code); // P until the task has written its pid file
    expect((await until(id, 'R'))[0]).toMatchObject({ code: 'R', value: pgid });
    // R means the task wrote its pid file after setsid: it leads its own process group now
    expect(readFileSync(`/proc/${pgid}/stat`, 'utf8').split(' ')[4]).toBe(String(pgid));
    writeFileSync(release, '');
    const [done] = await until(id, 'E');
    expect(done).toMatchObject({ jobId: id, key: 'job', code: 'E', value: 3 });
    expect(readFileSync(join(dir, 'exit_code'), 'utf8')).toBe('3\n');
    expect(readFileSync(join(dir, 'stdout'), 'utf8')).toBe('out\n');
    expect(readFileSync(join(dir, 'stderr'), 'utf8')).toBe('err\n');
    expect(taskStatusOf(done!)).toEqual({ state: 'failed', schedulerState: 'FAILED', exitCode: 3 });
  });

  test('launching the same task twice starts it once (a retried submit is harmless)', async () => {
    const { id, dir } = newJob();
    await launch(dir, ['/bin/sh', '-c', 'echo x >>runs']);
    const again = await launch(dir, ['/bin/sh', '-c', 'echo x >>runs']);
    expect(again.again).toEqual(['job']);
    expect(again.started.size).toBe(0);
    await until(id, 'E');
    expect(readFileSync(join(dir, 'runs'), 'utf8')).toBe('x\n');
  });

  test('words with quotes, $(), backticks, newlines reach the command intact and run nothing', async () => {
    const { id, dir } = newJob();
    const canary = join(root, 'canary');
    const words = [`it's`, `"dq"`, `$(touch ${canary})`, `\`touch ${canary}\``, 'two\nlines', ' lead', '-n', '*', '; touch ' + canary];
    await launch(dir, ['printf', '%s\\0', ...words], { setup: 'X=1' });
    await until(id, 'E');
    expect(readFileSync(join(dir, 'stdout'), 'utf8').split('\0').slice(0, -1)).toEqual(words);
    expect(existsSync(canary)).toBe(false);
  });

  test('setup runs in the task shell before the command', async () => {
    const { id, dir } = newJob();
    await launch(dir, ['/bin/sh', '-c', 'echo "$GREETING"'], { setup: setupText({ setup: ['GREETING="hello there"', 'export GREETING'] }) });
    await until(id, 'E');
    expect(readFileSync(join(dir, 'stdout'), 'utf8')).toBe('hello there\n');
  });

  test('an array: one process group per index, the index in CLUSTRIX_ARRAY_INDEX, exit codes per index', async () => {
    const { id, dir } = newJob();
    const l = await launch(dir, ['/bin/sh', '-c', 'echo "i=$CLUSTRIX_ARRAY_INDEX"; exit $CLUSTRIX_ARRAY_INDEX'], { keys: [0, 1, 2] });
    expect(new Set(l.started.values()).size).toBe(3);
    const s = await until(id, 'E', [0, 1, 2]);
    expect(s.map((x) => [x.key, x.value])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    expect(readFileSync(join(dir, 'logs', '2.out'), 'utf8')).toBe('i=2\n');
    expect(readFileSync(join(dir, 'exit_codes', '1'), 'utf8')).toBe('1\n');
  });

  test('a task never launched is N', async () => {
    const { id } = newJob();
    expect(await status(id)).toEqual([{ jobId: id, key: 'job', code: 'N' }]);
  });
});

describe('ends that are not a normal exit', () => {
  test('the time limit ends the task as T (124) and kills its whole group', async () => {
    const { id, dir } = newJob();
    const l = await launch(dir, ['/bin/sh', '-c', 'sleep 30 & sleep 30; wait'], { seconds: 1 });
    const [s] = await until(id, 'T');
    expect(s).toMatchObject({ code: 'T', value: 124 });
    expect(taskStatusOf(s!, '1s')).toMatchObject({ state: 'timeout', reason: 'time limit of 1s reached' });
    const pgid = l.started.get('job')!;
    for (let i = 0; i < 40 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(groupAlive(pgid)).toBe(false);
  });

  test('cancel TERMs the process group; status says C', async () => {
    const { id, dir } = newJob();
    const l = await launch(dir, ['/bin/sh', '-c', 'sleep 60 & sleep 60; wait']);
    const pgid = l.started.get('job')!;
    await until(id, 'R');
    const c = await t.exec(buildCancel(jobs, 2), { stdin: taskLines([{ jobId: id, key: 'job' }]) });
    expect(c.stdout).toContain(`term ${id} job ${pgid}`);
    const [s] = await until(id, 'C');
    expect(taskStatusOf(s!).state).toBe('cancelled');
    for (let i = 0; i < 40 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(groupAlive(pgid)).toBe(false);
  });

  test('a job cancelled before its launch never starts', async () => {
    const { id, dir } = newJob();
    await t.exec(buildCancel(jobs, 1), { stdin: taskLines([{ jobId: id, key: 'job' }]) });
    const l = await launch(dir, ['/bin/sh', '-c', 'echo ran >ran']);
    expect(l.cancelled).toBe(true);
    expect((await status(id))[0]!.code).toBe('C');
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  test('a group killed from outside, without an exit code, is L (lost)', async () => {
    const { id, dir } = newJob();
    const l = await launch(dir, ['sleep', '60']);
    const pgid = l.started.get('job')!;
    await until(id, 'R');
    process.kill(-pgid, 'SIGKILL');
    const [s] = await until(id, 'L');
    expect(s).toMatchObject({ code: 'L', value: pgid });
    expect(taskStatusOf(s!).state).toBe('lost');
  });
});

describe('waiter and probe', () => {
  test('the waiter returns when a watched file appears, and by itself after its rounds', async () => {
    const { dir } = newJob();
    const file = join(dir, 'exit_code');
    const waiting = t.exec(buildWait([join(dir, 'other'), file], 100));
    await new Promise((r) => setTimeout(r, 200));
    await t.exec(['/bin/sh', '-c', 'echo 0 >"$1"', 'x', file]);
    const r = await waiting;
    expect(r.stdout.endsWith(`\n${file}\n`)).toBe(true);
    const idle = await t.exec(buildWait([join(dir, 'never')], 3));
    expect(idle.stdout).toBe('...');
  });

  test('probe reports the CPU count and tools', async () => {
    const facts = parseProbe((await t.exec(buildProbe())).stdout);
    expect(facts.cpus).toBeGreaterThan(0);
    expect(facts.has.has('setsid')).toBe(true);
    expect(facts.os).toBe('Linux');
  });
});

describe('pure parts', () => {
  test('parseStatus reads captured output and skips noise', () => {
    const out = 'job-1 job E 0\njob-2 3 R 4242\nmotd banner\njob-3 job T 124\njob-4 job C\njob-5 0 L 77\njob-6 job P\njob-7 job N\n';
    expect(parseStatus(out).map((r) => [r.jobId, r.key, r.code, r.value])).toEqual([
      ['job-1', 'job', 'E', 0],
      ['job-2', 3, 'R', 4242],
      ['job-3', 'job', 'T', 124],
      ['job-4', 'job', 'C', undefined],
      ['job-5', 0, 'L', 77],
      ['job-6', 'job', 'P', undefined],
      ['job-7', 'job', 'N', undefined],
    ]);
  });

  test('node options for memory and jobName; modules before setup', () => {
    expect(commandWithNodeOptions(['node', 'runner.mjs', '/j'], { memory: '2G', jobName: "a 'b'" })).toEqual(['node', '--max-old-space-size=2048', "--title=a 'b'", 'runner.mjs', '/j']);
    expect(commandWithNodeOptions(['node', 'runner.mjs', '/j'], {}, 'Remote.hello')).toEqual(['node', '--title=Remote.hello', 'runner.mjs', '/j']);
    expect(commandWithNodeOptions(['node', 'runner.mjs', '/j'], {})).toEqual(['node', 'runner.mjs', '/j']);
    expect(setupText({ modules: ['nodejs/20', "we'ird"], setup: ['source ~/env.sh'] })).toBe(
      "command -v module >/dev/null 2>&1 || . /etc/profile >/dev/null 2>&1; module load 'nodejs/20' 'we'\\''ird'\nsource ~/env.sh",
    );
  });

  test('job ids that could break a line are refused', () => {
    expect(() => taskLines([{ jobId: 'a b', key: 'job' }])).toThrow(/cannot pass on a line/);
    expect(() => taskLines([{ jobId: 'x\ny', key: 0 }])).toThrow();
  });
});
