// pnpm build: compile every package to dist/ (tsc project references), then bundle the runner into one file.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
const run = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, stdio: 'inherit' });

run(process.execPath, [tsc, '-b', 'tsconfig.json']);
run(process.execPath, ['build-runner.mjs'], join(root, 'packages', 'remote-runner'));
console.log('built: packages/*/dist, packages/remote-runner/dist/clustrix-runner.mjs');
