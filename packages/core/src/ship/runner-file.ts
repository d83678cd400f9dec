/**
 * Where the runner is on this machine: @clustrix/remote-runner's built file, or — in a source checkout
 * without a build — a bundle of its source made once with esbuild and cached by content hash.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BundleError } from '../errors.js';
import { writeFileAtomic } from '@clustrix/wire';
import { sha256 } from '../util/hash.js';

export interface RunnerFile {
  /** Local path of the self-contained runner (.mjs). */
  file: string;
  /** `<package version>-<content hash>`: the remote install folder's name. */
  version: string;
}

let cached: Promise<RunnerFile> | undefined;

export function runnerFile(cacheDir: string): Promise<RunnerFile> {
  cached ??= locate(cacheDir);
  cached.catch(() => (cached = undefined));
  return cached;
}

async function locate(cacheDir: string): Promise<RunnerFile> {
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve('@clustrix/remote-runner/package.json');
  } catch (err) {
    throw new BundleError('cannot find @clustrix/remote-runner; install it next to @clustrix/core', { cause: err });
  }
  const dir = dirname(pkgJson);
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  const built = join(dir, 'dist', 'clustrix-runner.mjs');
  const source = join(dir, 'src', 'main.ts');
  // Prefer the source in a checkout (it is what tests and the demo exercise); the built file when installed.
  if (existsSync(source)) {
    const esbuild = await import('esbuild');
    const out = await esbuild.build({
      entryPoints: [source],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      conditions: ['source'],
      logLevel: 'silent',
      minifySyntax: true,
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    const code = out.outputFiles[0]!.text;
    const hash = sha256(code).slice(0, 16);
    const file = join(cacheDir, 'runner', `clustrix-runner-${hash}.mjs`);
    if (!existsSync(file)) {
      await mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, code, 0o755);
    }
    return { file, version: `${version}-${hash}` };
  }
  if (existsSync(built)) {
    return { file: built, version: `${version}-${sha256(readFileSync(built)).slice(0, 16)}` };
  }
  throw new BundleError(`@clustrix/remote-runner at ${dir} has neither dist/clustrix-runner.mjs nor src/main.ts; reinstall it`);
}
