/**
 * How the local scheduler starts one task: a detached child (its own process group, so that a cancel
 * kills everything it started) running the job's command from the job folder, stdout and stderr
 * appended to the task's files, `memory` as node's heap cap, `setup` lines run by /bin/sh first, and
 * the array index in ARRAY_INDEX_ENV. Also writes the exit code where the runner protocol expects it, and
 * kills a task's process group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseMemory } from '../resources/parse.js';
import { jobFiles } from '@clustrix/wire';
import type { SubmitRequest } from './contract.js';
import { ARRAY_INDEX_ENV } from './slot-queue.js';

/** Start task `index` (undefined: a single job) of `request`. Throws when the job folder cannot be written. */
export function spawnLocalTask(request: SubmitRequest, index: number | undefined): ChildProcess {
  const dir = request.jobDir;
  const outPath = join(dir, jobFiles.stdout(index));
  const errPath = join(dir, jobFiles.stderr(index));
  mkdirSync(dirname(outPath), { recursive: true, mode: 0o700 });
  const out = openSync(outPath, 'a', 0o600);
  const err = openSync(errPath, 'a', 0o600);
  const [node, ...rest] = request.command;
  const nodeArgs: string[] = [];
  const mem = request.options.memory !== undefined ? parseMemory(request.options.memory) : undefined;
  if (mem) nodeArgs.push(`--max-old-space-size=${mem}`);
  const setup = request.options.setup ?? [];
  const env = { ...process.env, ...(index !== undefined ? { [ARRAY_INDEX_ENV]: String(index) } : {}) };
  try {
    return setup.length
      ? spawn('/bin/sh', ['-c', `${setup.join('\n')}\nexec "$@"`, 'clustrix-setup', node!, ...nodeArgs, ...rest], {
          cwd: dir,
          detached: true,
          stdio: ['ignore', out, err],
          env,
        })
      : spawn(node!, [...nodeArgs, ...rest], { cwd: dir, detached: true, stdio: ['ignore', out, err], env });
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

/** The exit code of a child that ended with `code` or by `signal` (128 + the signal's number, as a shell reports it). */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : signal === 'SIGINT' ? 2 : 0);
}

/** Write a task's exit code into its job folder (the runner protocol's exit-code file); quiet when the folder is gone. */
export function writeExitCode(jobDir: string, index: number | undefined, exitCode: number): void {
  try {
    const codeFile = join(jobDir, jobFiles.exitCode(index));
    mkdirSync(dirname(codeFile), { recursive: true, mode: 0o700 });
    writeFileSync(codeFile, `${exitCode}\n`, { mode: 0o600 });
  } catch {
    /* the job folder may have been removed */
  }
}

/** SIGTERM to the process group led by `pid`, SIGKILL `graceMs` later; quiet when it is already gone. */
export function killProcessGroup(pid: number, graceMs: number): void {
  const group = -pid;
  try {
    process.kill(group, 'SIGTERM');
  } catch {
    /* already gone */
  }
  setTimeout(() => {
    try {
      process.kill(group, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, graceMs).unref();
}
