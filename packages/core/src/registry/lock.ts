/**
 * A small cross-process lock: a file created exclusively (O_EXCL), holding the owner's pid and
 * host. A lock whose owner is gone (same host, pid dead) or that is older than `staleMs` is broken.
 * Used around read-modify-write of one registry record, never held across I/O to a cluster.
 */
import { readFile, unlink, writeFile } from 'node:fs/promises';
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

async function isStale(path: string, staleMs: number): Promise<boolean> {
  try {
    const text = await readFile(path, 'utf8');
    const [pid, host, at] = text.split('\n');
    if (!processAlive(Number(pid), host ?? '')) return true;
    return Date.now() - Number(at) > staleMs;
  } catch {
    return false; // vanished or half-written: try again
  }
}

export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const timeout = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  const start = Date.now();
  let wait = 2;
  for (;;) {
    try {
      await writeFile(path, `${process.pid}\n${hostname()}\n${Date.now()}\n`, { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
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
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}
