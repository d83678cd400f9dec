/**
 * Loads a TypeScript config file (`clustrix.config.ts`, `.clustrixrc.ts`) with esbuild, which core already
 * depends on, instead of cosmiconfig's loader: that one calls the TypeScript compiler API, which the native
 * TypeScript 7 (`npm i typescript`) does not have (`typescript.findConfigFile is not a function`).
 * The file is transpiled to ESM beside itself (so its relative imports resolve), imported, and removed.
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function loadTsConfigFile(filepath: string, content: string): Promise<unknown> {
  const { transform } = await import('esbuild');
  const { code } = await transform(content, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: filepath });
  const compiled = join(dirname(filepath), `.${basename(filepath)}.${randomBytes(4).toString('hex')}.mjs`);
  await writeFile(compiled, code, { mode: 0o600 });
  try {
    const mod = (await import(pathToFileURL(compiled).href)) as { default?: unknown };
    return mod.default ?? mod;
  } finally {
    await rm(compiled, { force: true });
  }
}
