// What a published tarball must (and must not) hold; used by scripts/test-pack.mjs.
import { execFileSync } from 'node:child_process';

const REQUIRED_FILES = ['package/package.json', 'package/LICENSE', 'package/README.md', 'package/CHANGELOG.md'];
const FORBIDDEN = [/\.tsbuildinfo$/, /(^|\/)test\//, /\.test\.[cm]?[jt]s$/, /(^|\/)fixtures\//];
const REQUIRED_META = ['license', 'repository', 'keywords', 'engines', 'sideEffects', 'description', 'exports'];

export function checkTarball(name, path) {
  const files = execFileSync('tar', ['tzf', path], { encoding: 'utf8' }).trim().split('\n');
  const problems = [];
  for (const f of REQUIRED_FILES) if (!files.includes(f)) problems.push(`missing ${f.slice('package/'.length)}`);
  for (const f of files) if (FORBIDDEN.some((re) => re.test(f))) problems.push(`ships ${f.slice('package/'.length)}`);
  const pkg = JSON.parse(execFileSync('tar', ['xzOf', path, 'package/package.json'], { encoding: 'utf8' }));
  for (const k of REQUIRED_META) if (pkg[k] === undefined) problems.push(`package.json has no "${k}"`);
  const ranges = { ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies };
  for (const [dep, range] of Object.entries(ranges)) if (String(range).startsWith('workspace:')) problems.push(`${dep}: ${range} left in`);
  // Every file a consumer resolves through "exports" is in the tarball ("source" is the repository's own condition).
  for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
    const conditions = typeof target === 'string' ? { default: target } : target;
    for (const [condition, file] of Object.entries(conditions)) {
      if (condition === 'source') continue;
      if (!files.includes(`package/${file.replace(/^\.\//, '')}`)) problems.push(`exports["${sub}"] points at ${file}, which is not in the tarball`);
    }
  }
  if (name === '@clustrix/remote-runner' && files.some((f) => f.startsWith('package/src/'))) problems.push('ships its TypeScript source (core would rebuild the runner from it)');
  if (name === '@clustrix/remote-runner' && !files.includes('package/dist/clustrix-runner.mjs')) problems.push('missing the built runner');
  if (problems.length) throw new Error(problems.join('\n'));
}
