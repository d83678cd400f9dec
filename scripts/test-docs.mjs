// pnpm test:docs — every code example in README.md and docs/ runs, so a docs example can never fail again.
//
// Per page, the fenced blocks are read in order:
//   ```ts   whose first line is `// <path>.ts`   a module of the page's example project, written at that path;
//                                                 run too when its name is main.ts (or ends in .main.ts)
//   ```ts   without such a line                  a script: written as example-<line>.ts and run
//   ```ts fragment                               a piece of a signature or a table, shown for reading: not run
//                                                 (counted and listed, so fragments stay few and visible)
//   ```yaml whose first line is `# .clustrixrc.yaml` (or `# config.yml`), and ```ts `// clustrix.config.ts`:
//                                                 a configuration file, loaded and validated with loadConfig
// Scripts run with tsx on the LOCAL scheduler from a folder of their own under .tmp/docs/: every cluster name an
// example may use (hpc, gpu, box, k8s, ...) is a local cluster there, so the same code that targets a cluster
// runs here. Ends with `N passed, M failed`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, '.tmp', 'docs');
const LOCAL_NAMES = ['hpc', 'gpu', 'box', 'k8s', 'cluster', 'sge', 'pbs', 'slurm', 'mn'];
const only = process.argv.slice(2);

export function pages() {
  const docs = readdirSync(join(root, 'docs'), { recursive: true }).map((p) => join('docs', String(p)));
  return ['README.md', ...docs].filter((p) => p.endsWith('.md')).filter((p) => !only.length || only.some((o) => p.includes(o)));
}

/** Fenced blocks of a Markdown page: { lang, flags, code, line }. */
export function blocks(text) {
  const out = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    out.push({ lang: open[1], flags: open[2].trim().split(/\s+/).filter(Boolean), code: body.join('\n') + '\n', line: start + 1 });
  }
  return out;
}

function pathComment(code, lang) {
  const first = code.split('\n')[0] ?? '';
  const m = lang === 'ts' ? /^\/\/\s*([\w./-]+\.ts)\b/.exec(first) : /^#\s*((?:\.clustrixrc\.ya?ml)|(?:config\.ya?ml))\b/.exec(first);
  return m?.[1];
}

function run(cmd, args, cwd, env) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

let passed = 0;
let failed = 0;
const fragments = [];
function report(ok, name, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`  ${ok ? 'ok  ' : 'FAIL'}  ${name}${ok ? '' : `\n        ${detail.trim().split('\n').slice(-25).join('\n        ')}`}`);
}

const tsx = join(root, 'node_modules', '.bin', 'tsx');
rmSync(work, { recursive: true, force: true });
for (const page of pages()) {
  const all = blocks(readFileSync(join(root, page), 'utf8'));
  const ts = all.filter((b) => b.lang === 'ts');
  const configs = all.filter((b) => ((b.lang === 'yaml' || b.lang === 'yml') && pathComment(b.code, 'yaml')) || (b.lang === 'ts' && pathComment(b.code, 'ts') === 'clustrix.config.ts'));
  if (!ts.length && !configs.length) continue;
  console.log(page);
  const dir = join(work, page.replace(/[/.]/g, '_'));
  const home = join(dir, '.home');
  mkdirSync(join(home, '.clustrix'), { recursive: true });
  const clusters = Object.fromEntries(LOCAL_NAMES.map((n) => [n, { scheduler: 'local' }]));
  writeFileSync(join(home, '.clustrix', 'config.yml'), JSON.stringify({ remoteRoot: join(dir, '.remote'), clusters }));
  writeFileSync(join(dir, 'package.json'), '{"name":"docs-example","private":true,"type":"module"}\n');
  const env = { ...process.env, HOME: home, NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('CLUSTRIX_')) delete env[k];
  const scripts = [];
  for (const b of ts) {
    if (b.flags.includes('fragment')) {
      fragments.push(`${page}:${b.line}`);
      continue;
    }
    const path = pathComment(b.code, 'ts');
    if (path === 'clustrix.config.ts') continue; // validated below, as a configuration
    const file = path ?? `example-${b.line}.ts`;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), b.code);
    if (!path || /(^|\/)(main|[\w-]+\.main)\.ts$/.test(path)) scripts.push({ file, line: b.line });
  }
  for (const s of scripts) {
    const r = run(tsx, ['--conditions=source', s.file], dir, env);
    report(r.code === 0, `${page}:${s.line} runs (${s.file})`, r.out);
  }
  for (const b of configs) {
    const cfgDir = join(dir, `config-${b.line}`);
    mkdirSync(cfgDir, { recursive: true });
    writeFileSync(join(cfgDir, 'package.json'), '{"name":"docs-config","private":true}\n');
    writeFileSync(join(cfgDir, b.lang === 'ts' ? 'clustrix.config.ts' : '.clustrixrc.yaml'), b.code);
    const check = `import { loadConfig } from '@clustrix/core/jobs'; await loadConfig({ cwd: ${JSON.stringify(cfgDir)}, home: ${JSON.stringify(join(cfgDir, 'h'))}, systemDir: ${JSON.stringify(join(cfgDir, 'etc'))}, env: {} });`;
    writeFileSync(join(dir, `check-config-${b.line}.ts`), check);
    const r = run(tsx, ['--conditions=source', `check-config-${b.line}.ts`], dir, env);
    report(r.code === 0, `${page}:${b.line} is a valid configuration`, r.out);
  }
}
if (fragments.length) console.log(`\nfragments (shown for reading, not run): ${fragments.length}\n  ${fragments.join('\n  ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
