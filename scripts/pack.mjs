// Pack the publishable packages (every packages/*/package.json without "private": true) into a folder:
//   node scripts/pack.mjs [DEST]      (default: release/) — `pnpm release:pack` after `pnpm release:version`
// pnpm pack rewrites workspace: ranges to the real versions. Prints one tarball path per line.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** { name, dir } of each package that is published. */
export function publishable() {
  return readdirSync(join(root, 'packages'))
    .map((d) => ({ dir: join(root, 'packages', d), pkg: JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => !pkg.private)
    .map(({ dir, pkg }) => ({ name: pkg.name, version: pkg.version, dir }));
}

/** Pack every publishable package into dest; returns { name: tarballPath }. */
export function packAll(dest) {
  mkdirSync(dest, { recursive: true });
  const out = {};
  for (const { name, dir } of publishable()) {
    const text = execFileSync('pnpm', ['pack', '--pack-destination', dest], { cwd: dir, encoding: 'utf8' });
    const tgz = text.trim().split('\n').reverse().find((l) => l.trim().endsWith('.tgz'));
    if (!tgz) throw new Error(`pnpm pack printed no tarball for ${name}:\n${text}`);
    out[name] = resolve(dir, tgz.trim());
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dest = resolve(process.argv[2] ?? join(root, 'release'));
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  for (const path of Object.values(packAll(dest))) console.log(path);
}
