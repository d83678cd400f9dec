/**
 * Packages that cannot be bundled: native addons (binding.gyp, gypfile, prebuilt .node loaders).
 * They stay external, and a cluster needs them installed (see staging).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';

const NATIVE_LOADERS = ['node-gyp-build', 'bindings', 'prebuild-install', '@mapbox/node-pre-gyp', 'node-pre-gyp', 'nan', 'node-addon-api'];

export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

export interface ExternalPackage {
  name: string;
  version: string;
  /** Why it is external: `native addon` or `marked external`. */
  reason: string;
}

function findPackageJson(name: string, importer: string): string | undefined {
  const req = createRequire(importer);
  try {
    return req.resolve(`${name}/package.json`);
  } catch {
    try {
      let dir = dirname(req.resolve(name));
      for (let i = 0; i < 8; i++) {
        const p = join(dir, 'package.json');
        if (existsSync(p)) {
          const pj = JSON.parse(readFileSync(p, 'utf8')) as { name?: string };
          if (pj.name === name) return p;
        }
        dir = dirname(dir);
      }
    } catch {
      /* unresolvable: let esbuild report it */
    }
  }
  return undefined;
}

function isNative(pkgJsonPath: string): boolean {
  const dir = dirname(pkgJsonPath);
  const pj = JSON.parse(readFileSync(pkgJsonPath, 'utf8')) as { gypfile?: boolean; dependencies?: Record<string, string> };
  if (pj.gypfile || existsSync(join(dir, 'binding.gyp')) || existsSync(join(dir, 'prebuilds'))) return true;
  return Object.keys(pj.dependencies ?? {}).some((d) => NATIVE_LOADERS.includes(d));
}

/** An esbuild plugin that leaves native-addon packages (and `marked` ones) external, and records them. */
export function externalsPlugin(marked: readonly string[], found: Map<string, ExternalPackage>): Plugin {
  const verdict = new Map<string, boolean>();
  return {
    name: 'clustrix-externals',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:') || args.path.startsWith('file:')) return undefined;
        if (args.kind === 'entry-point') return undefined;
        const name = packageName(args.path);
        if (name.startsWith('@clustrix/')) return undefined;
        let external = verdict.get(name);
        let reason = 'marked external';
        const pjPath = findPackageJson(name, args.importer || args.resolveDir + '/x.js');
        if (external === undefined) {
          if (marked.includes(name)) external = true;
          else if (pjPath && isNative(pjPath)) {
            external = true;
            reason = 'native addon';
          } else external = false;
          verdict.set(name, external);
        }
        if (!external) return undefined;
        if (!found.has(name)) {
          const version = pjPath ? ((JSON.parse(readFileSync(pjPath, 'utf8')) as { version?: string }).version ?? '*') : '*';
          found.set(name, { name, version, reason: marked.includes(name) ? 'marked external' : reason });
        }
        return { path: args.path, external: true };
      });
    },
  };
}
