// pnpm test:pack — Clustrix as a user outside this repository gets it: pack the publishable packages, install
// core + one scheduler (+ the CLI) from the tarballs into a fresh npm project, type-check a user module under
// TypeScript 5.9 and the current TypeScript 7 (NodeNext, standard decorators, no experimentalDecorators), run a
// call on the local scheduler through `node` on the compiled output and through `tsx`, load a clustrix.config.ts
// and a .clustrixrc.yaml, and run `npx clustrix jobs`. Needs the npm registry (for typescript, tsx and the
// packages' own dependencies). Ends with one line: `N passed, M failed`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packAll, root } from './pack.mjs';
import { checkTarball } from './pack-check.mjs';
import { APP_FILES, BAD_OPTION, EXPECTED_BAD_OPTION_ERRORS, EXPECTED_TOOLING } from './pack-app.mjs';

const TS5 = '5.9';
const TS7 = '7';
const work = mkdtempSync(join(tmpdir(), 'clustrix-pack-'));
const env = {
  ...process.env,
  HOME: join(work, 'home'), // the user's ~/.clustrix (registry, job folders) lives here, not in the real home
  npm_config_cache: process.env.npm_config_cache ?? join(homedir(), '.npm'),
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};
let passed = 0;
let failed = 0;

function check(name, fn) {
  try {
    fn();
    passed++;
    console.log(`  ok    ${name}`);
  } catch (err) {
    failed++;
    console.log(`  FAIL  ${name}\n        ${String(err?.message ?? err).split('\n').join('\n        ')}`);
  }
}

function run(cmd, args, cwd, extra = {}) {
  const r = spawnSync(cmd, args, { cwd, env: { ...env, ...extra }, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '' };
}

function mustRun(cmd, args, cwd, extra) {
  const r = run(cmd, args, cwd, extra);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}:\n${r.out.slice(-3000)}`);
  return r;
}

function writeTree(dir, files) {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

function errorLines(out) {
  return out.split('\n').filter((l) => /error TS\d+/.test(l)).map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').trim());
}

console.log(`test:pack in ${work}`);
execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const tarballs = packAll(join(work, 'tarballs'));

console.log('tarballs');
for (const [name, path] of Object.entries(tarballs)) check(`${name}: files and metadata`, () => checkTarball(name, path));

const app = join(work, 'app');
writeTree(app, APP_FILES);
const wanted = ['@clustrix/core', '@clustrix/wire', '@clustrix/remote-runner', '@clustrix/schedulers-slurm', '@clustrix/cli'].map((n) => tarballs[n]);
console.log('install (npm, from the tarballs)');
check('npm install core + wire + remote-runner + schedulers-slurm + cli, typescript 5.9, tsx, @types/node', () => {
  mustRun('npm', ['install', ...wanted, `typescript@${TS5}`, 'tsx@4', '@types/node@20'], app);
  const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'));
  const clustrix = Object.keys(lock.packages).filter((p) => p.includes('@clustrix/'));
  for (const p of clustrix) if (!lock.packages[p].resolved?.startsWith('file:')) throw new Error(`${p} came from ${lock.packages[p].resolved}, not a tarball`);
  const extra = clustrix.filter((p) => !/@clustrix\/(core|wire|remote-runner|schedulers-slurm|cli)$/.test(p));
  if (extra.length) throw new Error(`installed more @clustrix packages than asked: ${extra.join(', ')}`);
});

const ts7 = join(work, 'ts7');
mkdirSync(ts7, { recursive: true });
writeFileSync(join(ts7, 'package.json'), '{"private":true}\n');
mustRun('npm', ['install', `typescript@${TS7}`], ts7);
const compilers = {
  [`TypeScript ${TS5}`]: join(app, 'node_modules', 'typescript', 'bin', 'tsc'),
  [`TypeScript ${TS7}`]: join(ts7, 'node_modules', '.bin', 'tsc'),
};

for (const [label, tsc] of Object.entries(compilers)) {
  const version = run(tsc.endsWith('.bin/tsc') ? tsc : process.execPath, tsc.endsWith('.bin/tsc') ? ['--version'] : [tsc, '--version'], app).out.trim();
  const tscRun = (args) => (tsc.endsWith('.bin/tsc') ? run(tsc, args, app) : run(process.execPath, [tsc, ...args], app));
  console.log(`${label} (${version})`);
  check(`${label}: the user module (generic method, static, bare @cluster) and a tool on @clustrix/core/jobs + /scheduler compile`, () => {
    const r = tscRun(['-p', 'tsconfig.json']);
    if (r.code !== 0) throw new Error(r.out.slice(-3000));
  });
  check(`${label}: a bad option fails with exactly the expected error`, () => {
    const r = tscRun(['-p', 'tsconfig.bad.json']);
    const got = errorLines(r.out);
    const ok = r.code !== 0 && got.length === EXPECTED_BAD_OPTION_ERRORS.length && got.every((l, i) => EXPECTED_BAD_OPTION_ERRORS[i].test(l));
    if (!ok) throw new Error(`expected ${EXPECTED_BAD_OPTION_ERRORS.join(' ')} only, got (exit ${r.code}):\n${got.join('\n') || r.out.slice(-2000)}`);
  });
}

console.log('run');
const expected = JSON.stringify({ one: 42, generic: 'hi', map: [2, 4, 6], inJob: true });
check('node on the compiled output: a call, a generic call and a map on the local scheduler', () => {
  mustRun(process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app);
  const r = mustRun(process.execPath, ['dist/main.js'], app);
  if (!r.stdout.includes(expected)) throw new Error(`expected ${expected} in:\n${r.out}`);
});
check('node on the compiled output: @clustrix/core/jobs and @clustrix/core/scheduler load, and schedulers-slurm on the latter', () => {
  const r = mustRun(process.execPath, ['dist/tooling.js'], app);
  if (!r.stdout.includes(EXPECTED_TOOLING)) throw new Error(`expected ${EXPECTED_TOOLING} in:\n${r.out}`);
});
check('tsx on the TypeScript source: the same calls', () => {
  const r = mustRun(join(app, 'node_modules', '.bin', 'tsx'), ['src/main.ts'], app);
  if (!r.stdout.includes(expected)) throw new Error(`expected ${expected} in:\n${r.out}`);
});
check('clustrix.config.ts is loaded (no TypeScript compiler API needed) and its cluster used', () => {
  writeFileSync(join(app, 'clustrix.config.ts'), "const slots: number = 1;\nexport default { defaultCluster: 'mini', clusters: { mini: { scheduler: 'local', concurrency: slots } } };\n");
  const r = mustRun(join(app, 'node_modules', '.bin', 'clustrix'), ['config'], app);
  if (!/mini/.test(r.out) || !/clustrix\.config\.ts/.test(r.out)) throw new Error(`clustrix config does not show the profile from clustrix.config.ts:\n${r.out}`);
  const run2 = mustRun(process.execPath, ['dist/main.js'], app);
  if (!run2.stdout.includes(expected)) throw new Error(run2.out);
});
check('a .clustrixrc.yaml is loaded, and a typo in it is reported with the file and key path', () => {
  const other = join(work, 'app-yaml');
  writeTree(other, { 'package.json': '{"private":true,"type":"module"}\n', '.clustrixrc.yaml': 'clusters:\n  mini:\n    scheduler: local\n    concurrency: 1\n' });
  const ok = mustRun(join(app, 'node_modules', '.bin', 'clustrix'), ['config'], other);
  if (!/\.clustrixrc\.yaml/.test(ok.out)) throw new Error(`clustrix config does not show .clustrixrc.yaml:\n${ok.out}`);
  writeFileSync(join(other, '.clustrixrc.yaml'), 'clusters:\n  mini:\n    scheduler: local\n    concurency: 1\n');
  const bad = run(join(app, 'node_modules', '.bin', 'clustrix'), ['config'], other);
  if (bad.code === 0 || !/\.clustrixrc\.yaml/.test(bad.out) || !/clusters\.mini\.concurency/.test(bad.out)) {
    throw new Error(`expected a failure naming .clustrixrc.yaml and clusters.mini.concurency, got exit ${bad.code}:\n${bad.out}`);
  }
});
check('npx clustrix jobs lists the jobs those runs made', () => {
  const r = mustRun('npx', ['--no-install', 'clustrix', 'jobs'], app);
  const rows = r.out.split('\n').filter((l) => /Demo\.(add|echo|double)\s+completed/.test(l));
  if (rows.length < 3) throw new Error(`expected the completed Demo jobs in:\n${r.out}`);
});

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
