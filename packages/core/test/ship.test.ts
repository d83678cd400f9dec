import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BundleError, configure, register, shutdown } from '@clustrix/core';
import { bundleModule, clearBundleMemory } from '../src/ship/bundler.js';
import { Derived, hidden } from './fixtures/unexported.js';
import DefaultJobs, { PublicName } from './fixtures/renamed.js';
import { Elsewhere } from './fixtures/subclass.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-ship-'));
configure({ remoteRoot: join(root, 'remote'), cacheDir: join(root, 'cache') }, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
afterAll(() => shutdown());

describe('bundling', () => {
  test('one ESM file named by content hash; the second call of unchanged code does no bundling', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clustrix-bundle-'));
    const entry = join(dir, 'mod.ts');
    writeFileSync(join(dir, 'dep.ts'), 'export const n: number = 41;\n');
    writeFileSync(entry, "import { n } from './dep.js';\nexport class K { v = n + 1; }\n");
    const cacheDir = join(dir, 'cache');
    const first = await bundleModule(entry, { cacheDir });
    expect(first.built).toBe(true);
    expect(first.file).toBe(join(cacheDir, 'bundles', `${first.hash}.mjs`));
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(first.exports).toEqual(['K']);
    const second = await bundleModule(entry, { cacheDir });
    expect(second.built).toBe(false);
    clearBundleMemory(); // as in a new process: the disk index answers
    const third = await bundleModule(entry, { cacheDir });
    expect(third.built).toBe(false);
    expect(third.hash).toBe(first.hash);
    // a changed dependency is noticed
    clearBundleMemory();
    writeFileSync(join(dir, 'dep.ts'), 'export const n: number = 99;\n');
    utimesSync(join(dir, 'dep.ts'), new Date(), new Date(Date.now() + 5000));
    const fourth = await bundleModule(entry, { cacheDir });
    expect(fourth.built).toBe(true);
    expect(fourth.hash).not.toBe(first.hash);
  });

  test('@clustrix/core inside a bundle is the small runtime, not the full library', async () => {
    const entry = fileURLToPath(new URL('./fixtures/jobs.ts', import.meta.url));
    const b = await bundleModule(entry, { cacheDir: join(root, 'cache2') });
    const { readFileSync, statSync } = await import('node:fs');
    const code = readFileSync(b.file, 'utf8');
    expect(code).not.toContain('cosmiconfig');
    expect(code).not.toContain('esbuild');
    expect(statSync(b.file).size).toBeLessThan(60_000);
  });

  test('a syntax error is a BundleError naming the file and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clustrix-bundle-'));
    const entry = join(dir, 'broken.ts');
    writeFileSync(entry, 'export class X {\n  oops(: void {}\n}\n');
    await expect(bundleModule(entry, { cacheDir: join(dir, 'c') })).rejects.toThrow(/cannot bundle .*broken\.ts: .* at .*broken\.ts:2/);
  });

  test('a module importing @clustrix/core/jobs (no shipped form): a BundleError naming the import and what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clustrix-bundle-'));
    const entry = join(dir, 'tooling.ts');
    writeFileSync(entry, "import { listJobs } from '@clustrix/core/jobs';\nexport class T { n = typeof listJobs; }\n");
    const err = await bundleModule(entry, { cacheDir: join(dir, 'c') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as Error).message).toMatch(/'@clustrix\/core\/jobs' cannot be shipped: code that runs on the cluster may import only '@clustrix\/core'.* at .*tooling\.ts:1/);
  });
});

describe('finding the class on the node', () => {
  test('a class its module does not export: the error says to export it', async () => {
    const err = await hidden.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as Error).message).toMatch(/class Hidden is not exported from .*unexported\.ts.*`export class Hidden/);
  });

  test('a subclass in its parent\'s module runs without help', async () => {
    await expect(new Derived().who()).resolves.toBe('Derived');
  });

  test('a subclass in another module: the error says to register it with its module; once registered it runs', async () => {
    const err = await new Elsewhere().who().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/Elsewhere inherits its @cluster method .*register\(Elsewhere, \{ module: import\.meta\.url \}\)/);
    register(Elsewhere, { module: new URL('./fixtures/subclass.ts', import.meta.url).href });
    await expect(new Elsewhere().who()).resolves.toBe('Elsewhere');
  });

  test('renamed and default exports are found', async () => {
    await expect(new PublicName().hello()).resolves.toBe('from Internal');
    await expect(new DefaultJobs().hello()).resolves.toBe('from default');
  });
});
