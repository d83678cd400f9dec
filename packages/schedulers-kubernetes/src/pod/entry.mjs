// @ts-check
/**
 * Clustrix pod entry: the first process of every Clustrix pod (plain Node >= 20, no dependencies).
 *
 *   node entry.mjs <payloadDir> <rootDir> -- <command...>
 *
 * 1. Stage: copy the payload (the read-only ConfigMap/Secret mount) into the writable remote root
 *    (an emptyDir, or the payload volume), as listed in <payloadDir>/entry.json.
 * 2. Run the command (the Clustrix runner) in the job folder, after the job's `setup` lines if any;
 *    its stdout and stderr go to the pod log and to the job folder; SIGTERM is passed on.
 * 3. Report: write exit_code, then — unless the results travel on a volume — print the result or
 *    error file, the exit code and the stderr tail as frames at the end of the pod log:
 *
 *      ::clustrix:<nonce>:file {"path","bytes","sha256","chunks"}   then <chunks> lines of
 *      ::clustrix:<nonce>:data <base64 of gzip, 4000 characters at most>
 *      ::clustrix:<nonce>:done {"lines","exitCode","signal","oomKilled"}   (always the last line)
 *
 *    `lines` counts the frame lines before `done`, so the scheduler reads exactly `lines + 1` lines
 *    from the end of the log whatever the method printed before.
 * 4. Exit with the command's exit code (128+N when killed by signal N).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createWriteStream, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const CHUNK = 4000;
const args = process.argv.slice(2);
const sep = args.indexOf('--');
const command = args.slice(sep + 1);
if (sep !== 2 || command.length === 0) {
  process.stderr.write('usage: entry.mjs <payloadDir> <rootDir> -- <command...>\n');
  process.exit(64);
}
const payloadDir = /** @type {string} */ (args[0]);
const rootDir = /** @type {string} */ (args[1]);

/** @type {{ nonce: string, jobDir: string, files: {key: string, path: string, mode: number}[], dirs: string[], indexEnv?: string, indexBase?: number, names: Record<'result'|'error'|'exitCode'|'stdout'|'stderr', string>, emit: boolean, stderrTailBytes: number, setup?: string[] }} */
const cfg = JSON.parse(readFileSync(join(payloadDir, 'entry.json'), 'utf8'));
const frame = `::clustrix:${cfg.nonce}:`;
const jobDir = join(rootDir, cfg.jobDir);
const rawIndex = cfg.indexEnv ? process.env[cfg.indexEnv] : undefined;
const index = rawIndex === undefined || rawIndex === '' ? undefined : Number(rawIndex) - (cfg.indexBase ?? 0);
/** @param {string} template */
const named = (template) => template.replace('{i}', String(index));
const names = {
  result: named(cfg.names.result),
  error: named(cfg.names.error),
  exitCode: named(cfg.names.exitCode),
  stdout: named(cfg.names.stdout),
  stderr: named(cfg.names.stderr),
};

function stage() {
  for (const d of cfg.dirs) mkdirSync(join(rootDir, d), { recursive: true, mode: 0o700 });
  for (const f of cfg.files) {
    const to = join(rootDir, f.path);
    mkdirSync(dirname(to), { recursive: true, mode: 0o700 });
    const tmp = `${to}.tmp-${process.pid}`;
    copyFileSync(join(payloadDir, f.key), tmp);
    chmodSync(tmp, f.mode);
    renameSync(tmp, to);
  }
}

/** The container cgroup's OOM-kill counter (v2, then v1), or 0 when unknown. */
function oomKills() {
  for (const file of ['/sys/fs/cgroup/memory.events', '/sys/fs/cgroup/memory/memory.oom_control']) {
    try {
      const m = /oom_kill (\d+)/.exec(readFileSync(file, 'utf8'));
      if (m) return Number(m[1]);
    } catch {
      /* not this cgroup version */
    }
  }
  return 0;
}

/** @param {string} rel */
function readJobFile(rel) {
  try {
    return readFileSync(join(jobDir, rel));
  } catch {
    return undefined;
  }
}

/** @returns {Promise<{ code: number, signal: string | null }>} */
function run() {
  const setup = cfg.setup ?? [];
  const [cmd, ...rest] = setup.length ? ['/bin/sh', '-c', `${setup.join('\n')}\nexec "$@"`, 'clustrix-setup', ...command] : command;
  const child = spawn(/** @type {string} */ (cmd), rest, { cwd: jobDir, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const name of [names.stdout, names.stderr]) mkdirSync(dirname(join(jobDir, name)), { recursive: true, mode: 0o700 });
  const out = createWriteStream(join(jobDir, names.stdout), { mode: 0o600 });
  const err = createWriteStream(join(jobDir, names.stderr), { mode: 0o600 });
  for (const s of [out, err]) s.on('error', (e) => process.stderr.write(`[clustrix-entry] cannot write ${s.path}: ${e.message}\n`));
  child.stdout.pipe(process.stdout, { end: false });
  child.stdout.pipe(out);
  child.stderr.pipe(process.stderr, { end: false });
  child.stderr.pipe(err);
  for (const sig of /** @type {const} */ (['SIGTERM', 'SIGINT', 'SIGHUP'])) process.on(sig, () => child.kill(sig));
  return new Promise((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`[clustrix-entry] cannot start ${cmd}: ${e.message}\n`);
      resolve({ code: 127, signal: null });
    });
    child.on('close', (code, signal) => {
      const finished = (/** @type {import('node:fs').WriteStream} */ s) => new Promise((r) => s.end(r));
      void Promise.all([finished(out), finished(err)]).then(() =>
        resolve({ code: code ?? 128 + (signal ? constants.signals[signal] ?? 0 : 0), signal }),
      );
    });
  });
}

/** @param {string} rel @param {Buffer} data */
function fileFrames(rel, data) {
  const z = gzipSync(data).toString('base64');
  const chunks = [];
  for (let i = 0; i < z.length; i += CHUNK) chunks.push(z.slice(i, i + CHUNK));
  const sha256 = createHash('sha256').update(data).digest('hex');
  return [`${frame}file ${JSON.stringify({ path: rel, bytes: data.length, sha256, chunks: chunks.length })}`, ...chunks.map((c) => `${frame}data ${c}`)];
}

let exitCode = 70;
let signal = null;
let oomKilled = false;
try {
  stage();
  const before = oomKills();
  ({ code: exitCode, signal } = await run());
  oomKilled = signal === 'SIGKILL' && oomKills() > before;
} catch (e) {
  process.stderr.write(`[clustrix-entry] cannot stage the job into ${rootDir}: ${e instanceof Error ? e.message : String(e)}\n`);
  mkdirSync(dirname(join(jobDir, names.stderr)), { recursive: true, mode: 0o700 });
  writeFileSync(join(jobDir, names.stderr), `cannot stage the job: ${e instanceof Error ? e.message : String(e)}\n`, { flag: 'a' });
}
try {
  mkdirSync(dirname(join(jobDir, names.exitCode)), { recursive: true, mode: 0o700 });
  writeFileSync(join(jobDir, names.exitCode), `${exitCode}\n`, { mode: 0o600 });
} catch {
  /* reported through the frames below */
}
if (cfg.emit) {
  const lines = [];
  for (const key of /** @type {const} */ (['result', 'error', 'exitCode', 'stderr'])) {
    let data = key === 'exitCode' ? Buffer.from(`${exitCode}\n`) : readJobFile(names[key]);
    if (!data) continue;
    if (key === 'stderr' && data.length > cfg.stderrTailBytes) data = data.subarray(data.length - cfg.stderrTailBytes);
    lines.push(...fileFrames(names[key], data));
  }
  lines.push(`${frame}done ${JSON.stringify({ lines: lines.length, exitCode, signal, oomKilled })}`);
  process.stdout.write(`\n${lines.join('\n')}\n`, () => process.exit(exitCode));
} else {
  process.exit(exitCode);
}
