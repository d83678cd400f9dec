// Staged files are not trusted because they exist (issue 11 item 4), on the local transport: the
// same shell check the SSH transport runs, against real folders made unsafe with chmod/chown.
// Runs as root in CI (chown to nobody needs it); as another user the chown cases are skipped with that reason.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnsafeStagingError } from '../src/errors.js';
import { Stager } from '../src/exec/files/stager.js';
import type { Bundle } from '../src/ship/bundler.js';
import { LocalTransport } from '../src/transport/local.js';
import { StagingChecker, stagingChecker } from '../src/transport/staging-trust.js';
import { sha256 } from '../src/util/hash.js';

const AS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
const base = mkdtempSync(join(tmpdir(), 'clustrix-trust-'));
let n = 0;
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A fresh, safe remote root (0700, ours) under the 0700 test folder. */
function freshRoot(): string {
  const root = join(base, `root-${n++}`);
  mkdirSync(root, { mode: 0o700 });
  return root;
}

/** The local transport as if it did not share this filesystem: the runner and bundles are staged into the root. */
function uploadingTransport(): LocalTransport {
  const t = new LocalTransport();
  Object.defineProperty(t, 'sharesFilesystem', { value: false });
  return t;
}

/** A local file that, when run by node, creates `canary`. */
function plantedCode(canary: string): string {
  return `require('node:fs').writeFileSync(${JSON.stringify(canary)}, 'pwned');\n`;
}

describe('remote root and its folders', () => {
  test('a safe root passes and its folders are created 0700', async () => {
    const root = freshRoot();
    const checker = new StagingChecker(new LocalTransport(), root, ['jobs']);
    await expect(checker.check([])).resolves.toEqual([]);
    expect(statSync(join(root, 'jobs')).mode & 0o777).toBe(0o700);
  });

  test('a root whose parent does not exist yet: both are created 0700, and pass', async () => {
    const root = join(base, `absent-${n++}`, 'root');
    await expect(new StagingChecker(new LocalTransport(), root, ['jobs']).check([])).resolves.toEqual([]);
    expect(statSync(join(root, '..')).mode & 0o777).toBe(0o700);
    expect(statSync(root).mode & 0o777).toBe(0o700);
  });

  test('a world-writable root is refused, naming the path, its mode and the fix', async () => {
    const root = freshRoot();
    chmodSync(root, 0o777);
    const err = await new StagingChecker(new LocalTransport(), root, ['jobs']).check([]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeStagingError);
    const e = err as UnsafeStagingError;
    expect(e.message).toMatch(/^\[clustrix\] \[local\] refusing to use localhost:/);
    expect(e.message).toContain(root);
    expect(e.message).toContain('mode 0777');
    expect(e.message).toContain(`chmod 700 '${root}'`);
    expect(e.path).toBe(root);
    expect(e.code).toBe('UNSAFE_STAGING');
    expect(existsSync(join(root, 'jobs'))).toBe(false);
  });

  test('a group-writable jobs folder is refused', async () => {
    const root = freshRoot();
    mkdirSync(join(root, 'jobs'), { mode: 0o700 });
    chmodSync(join(root, 'jobs'), 0o770);
    const err = await new StagingChecker(new LocalTransport(), root, ['jobs']).check([]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeStagingError);
    expect((err as Error).message).toContain(`${join(root, 'jobs')}: it is owned by uid`);
    expect((err as Error).message).toContain('mode 0770');
  });

  test('a root whose parent anyone can write (without the sticky bit) is refused; /tmp-like sticky parents pass', async () => {
    const parent = join(base, `open-parent-${n++}`);
    mkdirSync(parent, { mode: 0o700 });
    chmodSync(parent, 0o777);
    const root = join(parent, 'root');
    const err = await new StagingChecker(new LocalTransport(), root, ['jobs']).check([]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeStagingError);
    expect((err as Error).message).toContain(`its parent folder ${parent} is owned by uid`);
    chmodSync(parent, 0o1777);
    await expect(new StagingChecker(new LocalTransport(), root, ['jobs']).check([])).resolves.toEqual([]);
  });

  test('a root that is a symbolic link to a folder of another user is refused', async () => {
    if (!AS_ROOT) return console.warn('skipped: chown to nobody needs root');
    const theirs = freshRoot();
    chownSync(theirs, NOBODY, NOBODY);
    const root = join(base, `link-${n++}`);
    symlinkSync(theirs, root);
    const err = await new StagingChecker(new LocalTransport(), root, ['jobs']).check([]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeStagingError);
    expect((err as Error).message).toContain(`is owned by uid ${NOBODY} with mode 0700`);
  });

  test('a root owned by another user (nobody) is refused, and the local Stager writes no job into it', async () => {
    if (!AS_ROOT) return console.warn('skipped: chown to nobody needs root');
    const root = freshRoot();
    chownSync(root, NOBODY, NOBODY);
    const stager = new Stager(new LocalTransport(), root);
    const err = await stager.writeJob('j1', { 'job.json': '{}' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeStagingError);
    expect((err as Error).message).toContain(`is owned by uid ${NOBODY}`);
    expect(existsSync(join(root, 'jobs', 'j1'))).toBe(false);
  });
});

describe('staged files', () => {
  test('missing, ok, changed, unsafe and symbolic-link files are told apart in one command', async () => {
    const root = freshRoot();
    const t = new LocalTransport();
    const dir = join(root, 'bundles');
    mkdirSync(dir, { mode: 0o700 });
    const good = join(dir, 'good.mjs');
    writeFileSync(good, 'export const x = 1;\n', { mode: 0o644 });
    const changed = join(dir, 'changed.mjs');
    writeFileSync(changed, 'export const x = 2;\n', { mode: 0o644 });
    const open = join(dir, 'open.mjs');
    writeFileSync(open, 'export const x = 1;\n');
    chmodSync(open, 0o666);
    const link = join(dir, 'link.mjs');
    symlinkSync(good, link);
    const want = sha256('export const x = 1;\n');
    let execs = 0;
    const exec = t.exec.bind(t);
    t.exec = (argv, o) => (execs++, exec(argv, o));
    const states = await stagingChecker(t, root).check([
      { kind: 'file', path: join(dir, 'none.mjs'), sha256: want },
      { kind: 'file', path: good, sha256: want },
      { kind: 'file', path: changed, sha256: want },
      { kind: 'file', path: open, sha256: want },
      { kind: 'file', path: link, sha256: want },
    ]);
    expect(states).toEqual(['missing', 'ok', 'changed', 'unsafe', 'changed']);
    expect(execs).toBe(1);
  });

  test('a file owned by another user is unsafe even with the right content', async () => {
    if (!AS_ROOT) return console.warn('skipped: chown to nobody needs root');
    const root = freshRoot();
    const f = join(root, 'blob');
    writeFileSync(f, 'data', { mode: 0o644 });
    chownSync(f, NOBODY, NOBODY);
    await expect(stagingChecker(new LocalTransport(), root).check([{ kind: 'file', path: f, sha256: sha256('data') }])).resolves.toEqual(['unsafe']);
  });

  test('an installed package tree is checked against the digest recorded at install', async () => {
    const root = freshRoot();
    const dir = join(root, 'deps', 'abc');
    mkdirSync(join(dir, 'node_modules', 'pkg'), { recursive: true, mode: 0o755 });
    writeFileSync(join(dir, 'node_modules', 'pkg', 'index.js'), 'module.exports = 1;\n', { mode: 0o644 });
    const digest = execFileSync('/bin/sh', ['-c', 'cd "$1" && find node_modules -type f -exec sha256sum {} + | LC_ALL=C sort -k2 | sha256sum | cut -c1-64', 'x', dir], { encoding: 'utf8' });
    writeFileSync(join(dir, '.installed'), digest);
    const t = new LocalTransport();
    const check = () => new StagingChecker(t, root, []).check([{ kind: 'tree', path: dir }]);
    await expect(check()).resolves.toEqual(['ok']);
    writeFileSync(join(dir, 'node_modules', 'pkg', 'index.js'), plantedCode(join(base, 'never')));
    await expect(check()).resolves.toEqual(['changed']);
    chmodSync(join(dir, 'node_modules', 'pkg', 'index.js'), 0o646);
    await expect(check()).resolves.toEqual(['unsafe']);
    await expect(new StagingChecker(t, root, []).check([{ kind: 'tree', path: join(root, 'deps', 'none') }])).resolves.toEqual(['missing']);
  });
});

describe('Stager: a planted or tampered runner or bundle is replaced, never run', () => {
  test('a planted runner is replaced by the real one before anything runs it', async () => {
    const root = freshRoot();
    const canary = join(base, `canary-runner-${n++}`);
    const local = join(base, `runner-${n++}.mjs`);
    writeFileSync(local, "process.stdout.write('real runner');\n");
    const runner = { file: local, version: '1.0.0-test' };
    const remote = join(root, 'runner', runner.version, 'clustrix-runner.mjs');
    mkdirSync(join(root, 'runner', runner.version), { recursive: true, mode: 0o700 });
    writeFileSync(remote, plantedCode(canary), { mode: 0o644 });
    const stager = new Stager(uploadingTransport(), root);
    const path = await stager.runnerPath(runner);
    expect(path).toBe(remote);
    expect(stager.replaced).toBe(1);
    expect(readFileSync(remote, 'utf8')).toBe(readFileSync(local, 'utf8'));
    expect(execFileSync(process.execPath, [path], { encoding: 'utf8' })).toBe('real runner');
    expect(existsSync(canary)).toBe(false);
  });

  test('a tampered bundle is replaced; an intact one is reused without an upload', async () => {
    const root = freshRoot();
    const canary = join(base, `canary-bundle-${n++}`);
    const local = join(base, `bundle-${n++}.mjs`);
    writeFileSync(local, 'export const answer = 42;\n');
    writeFileSync(`${local}.map`, '{}');
    const bundle = { hash: 'h', file: local, mapFile: `${local}.map` } as unknown as Bundle;
    const first = new Stager(uploadingTransport(), root);
    const remote = await first.bundlePath(bundle);
    expect(first.stats.bundleUploads).toBe(1);
    const again = new Stager(uploadingTransport(), root);
    await again.bundlePath(bundle);
    expect(again.stats.bundleUploads).toBe(0);
    writeFileSync(remote, plantedCode(canary));
    const third = new Stager(uploadingTransport(), root);
    await third.bundlePath(bundle);
    expect(third.replaced).toBe(1);
    expect(readFileSync(remote, 'utf8')).toBe('export const answer = 42;\n');
    execFileSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(remote)})`]);
    expect(existsSync(canary)).toBe(false);
  });

  test('a runner folder owned by another user is refused and nothing is uploaded or run', async () => {
    if (!AS_ROOT) return console.warn('skipped: chown to nobody needs root');
    const root = freshRoot();
    const canary = join(base, `canary-foreign-${n++}`);
    const local = join(base, `runner-${n++}.mjs`);
    writeFileSync(local, 'export {};\n');
    const folder = join(root, 'runner', '2.0.0-test');
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    writeFileSync(join(folder, 'clustrix-runner.mjs'), plantedCode(canary));
    chownSync(folder, NOBODY, NOBODY);
    const err = await new Stager(uploadingTransport(), root).runnerPath({ file: local, version: '2.0.0-test' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeStagingError);
    expect((err as Error).message).toContain(`${folder}: it is owned by uid ${NOBODY} with mode 0700`);
    expect(readFileSync(join(folder, 'clustrix-runner.mjs'), 'utf8')).toBe(plantedCode(canary));
    expect(existsSync(canary)).toBe(false);
  });
});
