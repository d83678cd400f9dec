/**
 * The local scheduler's view of jobs another process started (that process may be gone): their
 * state from the job folder and the pids recorded in their reference, and cancelling them by
 * killing those process groups.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobFiles } from '@clustrix/wire';
import { aggregateTaskStatus } from './aggregate.js';
import type { JobRef, JobStatus, TaskStatus } from './contract.js';

const KILL_GRACE_MS = 3000;

/** Pids a reference records: `extra.pid` (single job) or `extra.pids[index]` (array task). */
function pidOf(ref: JobRef, index: number | undefined): number | undefined {
  const raw = index === undefined ? ref.extra?.pid : (ref.extra?.pids as Record<string, unknown> | undefined)?.[String(index)];
  const pid = Number(raw);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** True when `pid` runs the runner of the job folder `jobDir` (the pid was not reused by something else). */
function runsJob(pid: number, jobDir: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(jobDir);
  } catch {
    return true; // no /proc (macOS): the pid is alive, trust it
  }
}

/**
 * A job this process did not start (another process submitted it, and may be gone): the exit-code
 * marker if its launcher wrote one, else the result or error file the runner wrote, else whether
 * its process still runs.
 */
export function statusFromFolder(ref: JobRef): JobStatus {
  const read = (index?: number): TaskStatus => {
    try {
      const code = Number(readFileSync(join(ref.jobDir, jobFiles.exitCode(index)), 'utf8').trim());
      if (code > 128 && existsSync(join(ref.jobDir, jobFiles.cancelRequested))) {
        return { state: 'cancelled', exitCode: code, reason: 'cancelled (clustrix cancel)' };
      }
      return { state: code === 0 ? 'completed' : 'failed', exitCode: code };
    } catch {
      const pid = pidOf(ref, index);
      if (pid && runsJob(pid, ref.jobDir)) return { state: 'running', schedulerState: 'RUNNING' };
      if (existsSync(join(ref.jobDir, jobFiles.result(index)))) return { state: 'completed', schedulerState: 'EXITED' };
      if (existsSync(join(ref.jobDir, jobFiles.error(index))) || existsSync(join(ref.jobDir, jobFiles.checkpoint(index)))) {
        return { state: 'failed', schedulerState: 'EXITED' };
      }
      return pid ? { state: 'lost', schedulerState: 'GONE', reason: `its process ${pid} is gone and it left no result (killed, or the machine restarted)` } : { state: 'unknown' };
    }
  };
  if (ref.count === undefined) return read();
  const tasks = new Map<number, TaskStatus>();
  for (let i = 0; i < ref.count; i++) tasks.set(i, read(i));
  return { ...aggregateTaskStatus([...tasks.values()]), tasks };
}

/**
 * Cancel a job another process started: mark its folder (so the process that owns it reads the kill
 * as a cancel, not a crash), then kill the process groups its reference records.
 */
export function killFromFolder(ref: JobRef): void {
  try {
    writeFileSync(join(ref.jobDir, jobFiles.cancelRequested), '1\n', { mode: 0o600 });
  } catch {
    /* the folder is gone: nothing runs from it */
  }
  const indices = ref.count === undefined ? [undefined] : Array.from({ length: ref.count }, (_, i) => i);
  for (const index of indices) {
    const pid = pidOf(ref, index);
    if (!pid || !runsJob(pid, ref.jobDir)) continue;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, KILL_GRACE_MS).unref();
  }
}

