// Files in and out over SSH, external packages installed on the host, cleanup, and the quoting
// fuzz of job names, env values and paths — against the real testbed sshd.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BundleError, ConfigError, TransportError, configure, shutdown, submit, withOptions } from '@clustrix/core';
import { fuzzWords } from '../../core/test/fuzz-words.js';
import { SSH_USER, onHost, sshProfile, waitFor } from '../../core/test/ssh-testbed.js';
import { Validator } from './fixtures/external-jobs.js';
import { Remote } from './fixtures/remote-jobs.js';

const run = `f${Date.now().toString(36)}`;
const base = `.clustrix-test/${run}`;
const home = `/home/${SSH_USER}`;
const local = mkdtempSync(join(tmpdir(), 'clustrix-ssh-files-'));
const canary = `/tmp/clustrix-canary-${run}`;
/** A remoteRoot a shell would love to misread: quotes, $(...), backticks, ;, spaces. (A newline is refused: see below.) */
const nastyRoot = `~/${base}/q '$(touch ${canary})' \`touch ${canary}\` ;touch ${canary}; "dq" line2`;
/** Control characters never reach a script, a directive or a command line: names and paths with them are refused. */
const noControl = (w: string): string => w.replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, '_');

beforeAll(() => {
  onHost(`mkdir -p ~/${base}/nodeonly && ln -sf "$(command -v node)" ~/${base}/nodeonly/node`);
  configure(
    {
      defaultCluster: 'tb',
      clusters: {
        tb: { scheduler: 'ssh', ...sshProfile(), remoteRoot: `~/${base}/main` },
        nasty: { scheduler: 'ssh', ...sshProfile(), remoteRoot: nastyRoot },
        // installed once per lockfile hash: a fixed root, so later runs reuse the install
        deps: { scheduler: 'ssh', ...sshProfile(), remoteRoot: '~/.clustrix-test-deps' },
        nonpm: { scheduler: 'ssh', ...sshProfile(), remoteRoot: `~/${base}/nonpm`, nodePath: `${home}/${base}/nodeonly/node`, setup: ['PATH=/nonexistent'] },
        mine: { scheduler: 'local', remoteRoot: join(local, 'local-root') },
      } as never,
    },
    { cwd: local, env: {}, home: local, systemDir: join(local, 'etc') },
  );
});

afterAll(async () => {
  await shutdown();
  onHost(`rm -rf ~/${base}`);
});

const r = new Remote('files');

function inputsFixture(): { dir: string; inputs: string[] } {
  const dir = mkdtempSync(join(local, 'in-'));
  writeFileSync(join(dir, 'data.txt'), 'hello data');
  mkdirSync(join(dir, 'folder', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'folder', 'a.txt'), 'A');
  writeFileSync(join(dir, 'folder', 'sub', 'b.txt'), 'B');
  return { dir, inputs: [join(dir, 'data.txt'), join(dir, 'folder')] };
}

describe('inputs and outputs', () => {
  for (const cluster of ['tb', 'mine']) {
    test(`${cluster === 'tb' ? 'over SSH' : 'on the local scheduler'}: inputs land at their relative paths, outputs (paths and globs) come back`, async () => {
      const { inputs } = inputsFixture();
      const outputDir = mkdtempSync(join(local, 'out-'));
      const read = await withOptions({ cluster, inputs, outputs: ['out/**/*.txt', 'report.json'], outputDir }, () =>
        r.transform(['data.txt', 'folder/a.txt', 'folder/sub/b.txt'], { 'out/x.txt': 'X', 'out/deep/y.txt': 'Y', 'report.json': '{"ok":true}', 'out/skip.bin': 'no' }),
      );
      expect(read).toEqual({ 'data.txt': 'hello data', 'folder/a.txt': 'A', 'folder/sub/b.txt': 'B' });
      expect(readFileSync(join(outputDir, 'out', 'x.txt'), 'utf8')).toBe('X');
      expect(readFileSync(join(outputDir, 'out', 'deep', 'y.txt'), 'utf8')).toBe('Y');
      expect(readFileSync(join(outputDir, 'report.json'), 'utf8')).toBe('{"ok":true}');
      expect(existsSync(join(outputDir, 'out', 'skip.bin'))).toBe(false);
      expect(readdirSync(outputDir).sort()).toEqual(['out', 'report.json']); // no job.json, result.json, stdout...
    }, 60_000);
  }

  test('an unchanged input is not uploaded again (same blob on the host, same inode)', async () => {
    const { inputs } = inputsFixture();
    await withOptions({ inputs }, () => r.transform(['data.txt'], {}));
    const before = onHost(`stat -c '%i %n' ~/${base}/main/files/* | sort`).stdout;
    expect(before.trim().split('\n')).toHaveLength(3); // data.txt, a.txt, b.txt (by content hash)
    await withOptions({ inputs }, () => r.transform(['folder/a.txt'], {}));
    expect(onHost(`stat -c '%i %n' ~/${base}/main/files/* | sort`).stdout).toBe(before);
  }, 60_000);

  test('a named output the job did not write fails the call, naming it', async () => {
    const err = await withOptions({ outputs: ['missing.txt'], outputDir: local }, () => r.transform([], {})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as Error).message).toMatch(/finished but did not write the output 'missing.txt'/);
  }, 30_000);

  test('an output pattern leaving the job folder is refused before anything is submitted', async () => {
    const err = await withOptions({ outputs: ['../../secrets/*'], outputDir: local }, () => r.transform([], {})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).keyPath).toBe('outputs');
  });

  test('a missing input is refused before anything is submitted', async () => {
    await expect(withOptions({ inputs: [join(local, 'no-such-file')] }, () => r.transform([], {}))).rejects.toThrow(/inputs: '.*no-such-file' does not exist/);
  });
});

describe('cleanup', () => {
  test("'on-success' removes the job folder after a success; 'always' after a failure too; 'keep' keeps it", async () => {
    const kept = await r.hello(1);
    const removed = await withOptions({ cleanup: 'on-success' }, () => r.hello(2));
    const h = await submit(() => r.overQuota(1), { cleanup: 'always' });
    await expect(h.result()).rejects.toThrow(/quota exceeded/);
    const failed = h.id;
    const exists = (dir: string) => onHost(`test -d '${dir}' && echo yes || echo no`).stdout.trim();
    // the folder is removed right after the result is delivered
    await waitFor(() => exists(removed.cwd) === 'no', 'the successful job folder to go');
    await waitFor(() => exists(`${home}/${base}/main/jobs/${failed}`) === 'no', 'the failed job folder to go');
    expect(exists(kept.cwd)).toBe('yes');
  }, 30_000);
});

describe('external packages', () => {
  test('a package marked external is installed on the host (npm, the local version) and the job imports it from there', async () => {
    const v = await withOptions({ cluster: 'deps', externals: ['zod'] }, () => new Validator().check({ name: 'x' }));
    expect(v.ok).toBe(true);
    const version = (JSON.parse(readFileSync(fileURLToPath(new URL('../node_modules/zod/package.json', import.meta.url)), 'utf8')) as { version: string }).version;
    expect(v.resolvedFrom).toMatch(new RegExp(`^${home}/\\.clustrix-test-deps/deps/[0-9a-f]{20}/node_modules/zod/`));
    const installed = onHost(`cat '${v.resolvedFrom.replace(/node_modules\/zod\/.*$/, 'node_modules/zod/package.json')}'`).stdout;
    expect(JSON.parse(installed).version).toBe(version);
  }, 300_000);

  test('when they cannot be installed: a BundleError naming the package, and nothing submitted', async () => {
    const err = await withOptions({ cluster: 'nonpm', externals: ['zod'] }, () => new Validator().check({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as Error).message).toMatch(/cannot install zod@\d+\.\d+\.\d+ on clustrix@127\.0\.0\.1:\d+ \(left out of the bundle: zod@[\d.]+ \(marked external\)\)/);
    expect((err as Error).message).toContain('npm is not on PATH (after setup)');
    expect(onHost(`ls ~/${base}/nonpm/jobs 2>/dev/null | wc -l`).stdout.trim()).toBe('0');
  }, 60_000);
});

describe('control characters', () => {
  test('a remoteRoot or job name with a newline is refused before anything is staged (naming the key and the character)', async () => {
    const bad = `~/${base}/before\nafter`;
    // withOptions checks its options before it runs anything: it throws at once
    const err = await (async () => withOptions({ cluster: 'tb', remoteRoot: bad } as never, () => r.roundTrip([], [], {})))().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError); // BadValueError is a ConfigError too: refused before anything runs
    expect((err as Error).message).toMatch(/remoteRoot: cannot contain U\+000A \(LF \(newline\)\) \(at position \d+\)/);
    const named = await (async () => withOptions({ cluster: 'tb', jobName: 'a\u2028b' }, () => r.roundTrip([], [], {})))().catch((e: unknown) => e);
    expect(named).toBeInstanceOf(ConfigError);
    expect((named as Error).message).toMatch(/jobName: cannot contain U\+2028 \(LINE SEPARATOR\)/);
    expect(onHost(`ls -d ~/${base}/before* 2>/dev/null | wc -l`).stdout.trim()).toBe('0');
  }, 60_000);
});

describe('quoting fuzz', () => {
  test('1,000+ generated job names, env values and paths reach the host intact and execute nothing', async () => {
    const words = fuzzWords(1300, canary, 2024);
    const jobs = 30;
    const perJob = 40;
    const inputDir = mkdtempSync(join(local, 'fuzz-in-'));
    // input file names: no '/', no NUL; output names: no glob characters either (they would be patterns)
    const inputNames = fuzzWords(5, canary, 99).map((w, i) => `in ${i} ${noControl(w).replace(/\//g, '_')}`);
    inputNames.forEach((n, i) => writeFileSync(join(inputDir, n), `input ${i}`));
    const outputDir = mkdtempSync(join(local, 'fuzz-out-'));
    const calls = Array.from({ length: jobs }, (_, j) => {
      const jobName = noControl(words[j]!); // env values keep their newlines: they travel in job.json
      const env = Object.fromEntries(Array.from({ length: perJob }, (_, k) => [`FUZZ_${k}`, words[jobs + j * perJob + k]!]));
      const outName = `out ${j} '${noControl(words[j]!).replace(/[/*?[\]{}()!]/g, '_')}'.txt`;
      const p = withOptions({ cluster: 'nasty', jobName, env, inputs: inputNames.map((n) => join(inputDir, n)), outputs: [outName], outputDir }, () =>
        r.roundTrip(Object.keys(env), inputNames, { [outName]: `out ${j}` }),
      );
      return { jobName, env, outName, p };
    });
    const results = await Promise.all(calls.map((c) => c.p));
    const sent = jobs + jobs * perJob + inputNames.length + jobs + 1;
    expect(sent).toBeGreaterThanOrEqual(1000);
    results.forEach((res, j) => {
      expect(res.title).toBe(calls[j]!.jobName);
      expect(res.env).toEqual(calls[j]!.env);
      expect(res.files).toEqual(Object.fromEntries(inputNames.map((n, i) => [n, `input ${i}`])));
      expect(readFileSync(join(outputDir, calls[j]!.outName), 'utf8')).toBe(`out ${j}`);
    });
    // the nasty remoteRoot exists verbatim on the host, with the jobs in it
    const listed = onHost(`find ~/${base} -type d -path '*line2/jobs' -exec sh -c 'ls "$1" | wc -l' sh {} \\;`).stdout.trim();
    expect(listed).toBe(String(jobs));
    expect(onHost(`test -e ${canary} && echo yes || echo no`).stdout).toBe('no\n');
    expect(existsSync(canary)).toBe(false);
  }, 180_000);
});
