// The defining module is found however the user runs their code: TypeScript through tsx, or
// compiled JavaScript. Each case runs a real user program in a child process.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { transform } from 'esbuild';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const repo = join(here, '..', '..', '..');
const tsx = join(repo, 'node_modules', '.bin', 'tsx');
// Inside the repo so that `@clustrix/core` resolves from node_modules like in a user's project.
mkdirSync(join(here, '.tmp'), { recursive: true });
const dir = mkdtempSync(join(here, '.tmp', 'discovery-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const JOBS = `import { cluster } from '@clustrix/core';
export class Greeter {
  constructor(public greeting: string) {}
  @cluster()
  async greet(name: string): Promise<string> {
    return this.greeting + ', ' + name + ' from pid ' + process.pid;
  }
}
`;
const MAIN = (jobs: string) => `import { shutdown, configure } from '@clustrix/core';
import { Greeter } from '${jobs}';
configure({ remoteRoot: ${JSON.stringify(join(dir, 'remote'))}, cacheDir: ${JSON.stringify(join(dir, 'cache'))} });
const out = await new Greeter('hello').greet('world');
console.log(JSON.stringify({ out, pid: process.pid }));
await shutdown();
`;
const env = { ...process.env, NODE_OPTIONS: '' };

describe('finding the module that defines a class', () => {
  test('TypeScript run through tsx', async () => {
    writeFileSync(join(dir, 'jobs.ts'), JOBS);
    writeFileSync(join(dir, 'main.ts'), MAIN('./jobs.js'));
    const { stdout } = await run(tsx, ['--conditions=source', join(dir, 'main.ts')], { env, cwd: dir });
    const { out, pid } = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(out).toMatch(/^hello, world from pid \d+$/);
    expect(out).not.toContain(`pid ${pid}`);
  }, 60_000);

  test('compiled JavaScript (decorators already lowered)', async () => {
    const js = await transform(JOBS, { loader: 'ts', format: 'esm', target: 'node20' });
    writeFileSync(join(dir, 'jobs-compiled.mjs'), js.code);
    writeFileSync(join(dir, 'main-compiled.mjs'), MAIN('./jobs-compiled.mjs'));
    // core itself is TypeScript in this checkout: tsx loads it; the user's files are plain JS.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--conditions=source', join(dir, 'main-compiled.mjs')], { env, cwd: repo });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!).out).toMatch(/^hello, world from pid \d+$/);
  }, 60_000);

  test('a class defined in the script being run: the error says to move it to its own module', async () => {
    writeFileSync(join(dir, 'script.ts'), `${JOBS}\n${MAIN('./jobs.js').replace("import { Greeter } from './jobs.js';\n", '')}`);
    const err = await run(tsx, ['--conditions=source', join(dir, 'script.ts')], { env, cwd: dir }).catch((e: { stderr: string }) => e);
    expect((err as { stderr: string }).stderr).toMatch(/class Greeter is defined in the script you are running .*script\.ts.*Move Greeter into its own module/);
  }, 60_000);
});
