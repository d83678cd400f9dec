/**
 * Code shipping: the module that defines a class is bundled with esbuild into one ESM file, named by
 * the sha256 of its content. Bundles are cached twice: in memory for the process, and on disk with
 * the list of input files and their size+mtime, so that the second call of unchanged code — in
 * this process or the next — does no bundling.
 *
 * `@clustrix/core` imports inside the bundle resolve to the small runtime entry (the decorator runs
 * methods directly inside a job), so neither the config loader nor esbuild travel to the cluster.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BundleError } from '../errors.js';
import { writeFileAtomic } from '@clustrix/wire';
import { logger } from '../util/debug.js';
import { sha256 } from '../util/hash.js';
import { coreSubpathsPlugin } from './core-subpaths.js';
import { externalsPlugin, type ExternalPackage } from './native-externals.js';

const log = logger('bundle');

export interface Bundle {
  /** sha256 of the bundle's code. */
  hash: string;
  /** Local path of the bundle (`<cacheDir>/bundles/<hash>.mjs`). */
  file: string;
  /** Local path of its source map. */
  mapFile: string;
  /** The module that was bundled. */
  entry: string;
  /** Names the bundle exports. */
  exports: string[];
  /** Packages left out of the bundle, which the cluster must provide. */
  externals: ExternalPackage[];
  /** True when this call ran esbuild (false: served from a cache). */
  built: boolean;
}

interface IndexEntry {
  hash: string;
  exports: string[];
  externals: ExternalPackage[];
  inputs: Array<[path: string, size: number, mtimeMs: number]>;
}

const memory = new Map<string, Promise<Bundle>>();

function runtimeEntry(): string {
  for (const ext of ['.js', '.ts']) {
    const p = fileURLToPath(new URL(`../runtime/index${ext}`, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new BundleError('cannot find @clustrix/core/runtime; reinstall @clustrix/core');
}

let versionTag: string | undefined;
function toolVersions(): string {
  if (versionTag) return versionTag;
  let core = '0';
  try {
    core = (JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string }).version;
  } catch {
    /* unknown */
  }
  // The runtime entry's own code is part of every bundle: changes to it must change the key.
  const runtime = runtimeEntry();
  versionTag = `${core}:${sha256(readFileSync(runtime)).slice(0, 12)}`;
  return versionTag;
}

/** The default cache folder: node_modules/.cache/clustrix of the project holding `file`, else ~/.cache/clustrix. */
export function defaultCacheDir(file: string, home: string): string {
  let dir = dirname(file);
  for (let i = 0; i < 40; i++) {
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules', '.cache', 'clustrix');
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return join(home, '.cache', 'clustrix');
}

async function inputsUnchanged(inputs: IndexEntry['inputs']): Promise<boolean> {
  const checks = await Promise.all(
    inputs.map(async ([p, size, mtime]) => {
      try {
        const s = await stat(p);
        return s.size === size && s.mtimeMs === mtime;
      } catch {
        return false;
      }
    }),
  );
  return checks.every(Boolean);
}

export interface BundleOptions {
  cacheDir: string;
  externals?: readonly string[];
}

export function bundleModule(entry: string, options: BundleOptions): Promise<Bundle> {
  const key = `${entry}\0${options.cacheDir}\0${(options.externals ?? []).join(',')}`;
  let p = memory.get(key);
  if (!p) {
    p = buildOrReuse(entry, options).then((b) => ({ ...b }));
    memory.set(key, p);
    p.catch(() => memory.delete(key));
    return p;
  }
  return p.then((b) => ({ ...b, built: false }));
}

async function buildOrReuse(entry: string, options: BundleOptions): Promise<Bundle> {
  const dir = join(options.cacheDir, 'bundles');
  const indexFile = join(dir, 'index', `${sha256(`${entry}\0${toolVersions()}\0${(options.externals ?? []).join(',')}`).slice(0, 32)}.json`);
  try {
    const idx = JSON.parse(await readFile(indexFile, 'utf8')) as IndexEntry;
    const file = join(dir, `${idx.hash}.mjs`);
    if (existsSync(file) && (await inputsUnchanged(idx.inputs))) {
      log('reuse %s for %s', idx.hash.slice(0, 12), entry);
      return { hash: idx.hash, file, mapFile: `${file}.map`, entry, exports: idx.exports, externals: idx.externals, built: false };
    }
  } catch {
    /* no index yet */
  }
  const started = Date.now();
  const found = new Map<string, ExternalPackage>();
  const result = await esbuildBundle(entry, dir, options.externals ?? [], found);
  const js = result.outputFiles.find((f) => f.path.endsWith('.mjs'))!;
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
  const code = js.text.replace(/\n?\/\/# sourceMappingURL=.*\s*$/, '\n');
  const hash = sha256(code);
  const file = join(dir, `${hash}.mjs`);
  await mkdir(join(dir, 'index'), { recursive: true });
  if (!existsSync(file)) {
    if (map) {
      const parsed = JSON.parse(map.text) as { sources: string[]; sourceRoot?: string };
      // Sources relative to the cache folder mean nothing on a cluster node: make them absolute local paths.
      parsed.sources = parsed.sources.map((s) => (s.startsWith('/') ? s : join(dir, s)));
      await writeFileAtomic(`${file}.map`, JSON.stringify(parsed), 0o644);
    }
    await writeFileAtomic(file, `${code}//# sourceMappingURL=${hash}.mjs.map\n`, 0o644);
  }
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined) ?? Object.values(result.metafile.outputs)[0]!;
  const inputs: IndexEntry['inputs'] = [];
  for (const rel of Object.keys(result.metafile.inputs)) {
    const abs = rel.startsWith('/') ? rel : join(process.cwd(), rel);
    try {
      const s = await stat(abs);
      inputs.push([abs, s.size, s.mtimeMs]);
    } catch {
      /* virtual input */
    }
  }
  const idx: IndexEntry = { hash, exports: output.exports, externals: [...found.values()], inputs };
  await writeFile(indexFile, JSON.stringify(idx));
  log('built %s for %s in %d ms (%d inputs)', hash.slice(0, 12), entry, Date.now() - started, inputs.length);
  return { hash, file, mapFile: `${file}.map`, entry, exports: output.exports, externals: idx.externals, built: true };
}

/** One esbuild run: the entry and everything it imports, as one ESM file in memory (with its source map); `found` hears the packages left external. */
async function esbuildBundle(entry: string, dir: string, externals: readonly string[], found: Map<string, ExternalPackage>) {
  const esbuild = await import('esbuild');
  const runtime = runtimeEntry();
  try {
    return await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      metafile: true,
      sourcemap: 'external',
      sourcesContent: false,
      keepNames: true,
      outfile: join(dir, 'bundle.mjs'),
      conditions: ['source'],
      logLevel: 'silent',
      alias: { '@clustrix/core': runtime },
      banner: { js: "import { createRequire as __clustrixCreateRequire } from 'node:module'; const require = __clustrixCreateRequire(import.meta.url);" },
      plugins: [coreSubpathsPlugin(), externalsPlugin(externals, found)],
    });
  } catch (err) {
    const e = err as { errors?: Array<{ text: string; location?: { file: string; line: number } }> };
    const first = e.errors?.[0];
    const where = first?.location ? ` at ${first.location.file}:${first.location.line}` : '';
    throw new BundleError(`cannot bundle ${entry}: ${first?.text ?? (err as Error).message}${where}`, { cause: err });
  }
}

/** Forget the in-memory cache (tests). */
export function clearBundleMemory(): void {
  memory.clear();
}
