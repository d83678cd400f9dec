// Bundle the runner into one self-contained file (dist/clustrix-runner.mjs): what is shipped to nodes.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/clustrix-runner.mjs',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['source'],
  minifySyntax: true,
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
chmodSync('dist/clustrix-runner.mjs', 0o755);
