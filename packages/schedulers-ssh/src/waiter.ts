/**
 * Push for the watcher: ONE long-lived command per host that returns as soon as one of the running
 * tasks' exit-code files exists (the remote side checks every 50 ms, locally, with no network
 * traffic), so a finished job is noticed at once instead of at the next poll. It is re-armed when
 * the set of running tasks changes; a replaced waiter dies at its next heartbeat write.
 */
import type { Transport } from '@clustrix/core/scheduler';
import { buildWait } from './scripts.js';

/** Rounds of 50 ms before a waiter returns by itself (then it is re-armed). */
const ROUNDS = 400;
/** Most files one waiter watches (the rest are found by polling). */
const MAX_FILES = 256;

export class CompletionWaiter {
  private current: { key: string; abort: AbortController } | undefined;
  private closed = false;
  /** Waiters started (tests). */
  started = 0;

  constructor(
    private readonly transport: Transport,
    private readonly onFired: () => void,
  ) {}

  /** Watch these exit-code files (replaces what was watched; nothing when empty). */
  watch(files: readonly string[]): void {
    if (this.closed) return;
    const list = [...files].sort().slice(0, MAX_FILES);
    if (!list.length) return this.stop();
    const key = list.join('\0');
    if (this.current?.key === key) return;
    this.stop();
    const abort = new AbortController();
    const mine = { key, abort };
    this.current = mine;
    this.started++;
    this.transport.exec(buildWait(list, ROUNDS), { signal: abort.signal }).then(
      (r) => {
        if (this.current !== mine) return;
        this.current = undefined;
        if (r.stdout.includes('\n/')) this.onFired();
        else this.watch(list);
      },
      () => {
        if (this.current === mine) this.current = undefined;
      },
    );
  }

  stop(): void {
    const c = this.current;
    this.current = undefined;
    c?.abort.abort();
  }

  close(): void {
    this.closed = true;
    this.stop();
  }
}
