/**
 * A small cross-process lock: a file holding the owner's pid, host and time, written whole to a
 * temporary name and then hard-linked to the lock's name (link fails when the name is taken), so a
 * lock file is never seen half-written — not even when its owner is SIGKILLed while taking it. A
 * lock whose owner is gone (same host, pid dead), that is older than `staleMs`, or that cannot be
 * read as a lock (left by an older version killed mid-write) for more than a moment is broken.
 * Used around read-modify-write of one registry record, never held across I/O to a cluster.
 */
import { link, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ClustrixError } from '../errors.js';

export interface LockOptions {
  /** Give up after this long. Default 10 s. */
  timeoutMs?: number;
  /** A lock older than this is broken. Default 30 s. */
  staleMs?: number;
}

/** True when `pid` on `host` is known to be alive (another host: assumed alive). */
export function processAlive(pid: number, host: string): boolean {
  if (host !== hostname()) return true;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock file that does not read as `pid\nhost\ntime` is broken once it is this old (by its mtime). */
export const UNREADABLE_LOCK_GRACE_MS = 1000;

async function isStale(path: string, staleMs: number): Promise<boolean> {
  try {
    const text = await readFile(path, 'utf8');
    const [pid, host, at] = text.split('\n');
    const owner = Number(pid);
    const since = Number(at);
    if (!Number.isInteger(owner) || owner <= 0 || !host || !Number.isFinite(since)) {
      return Date.now() - (await stat(path)).mtimeMs > UNREADABLE_LOCK_GRACE_MS;
    }
    if (!processAlive(owner, host)) return true;
    return Date.now() - since > staleMs;
  } catch {
    return false; // vanished meanwhile: try again
  }
}

/** Create `path` holding this process's pid, host and time, atomically; false when it exists. */
async function tryCreate(path: string): Promise<boolean> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  await writeFile(tmp, `${process.pid}\n${hostname()}\n${Date.now()}\n`, { mode: 0o600 });
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const timeout = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  const start = Date.now();
  let wait = 2;
  for (;;) {
    if (await tryCreate(path)) break;
    if (await isStale(path, staleMs)) {
      await unlink(path).catch(() => undefined);
      continue;
    }
    if (Date.now() - start > timeout) {
      throw new ClustrixError(`the lock ${path} is held by another process for more than ${timeout / 1000} s; if no Clustrix process is running, delete it`, {
        scope: 'registry',
      });
    }
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(100, wait * 2);
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}
