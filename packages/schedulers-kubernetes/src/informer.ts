/**
 * List once, then watch: a small informer over @kubernetes/client-node's `Watch` for the objects of
 * one label selector. It re-watches from the last resourceVersion when the server ends a watch
 * (lists again only after 410 Gone), backs off on errors, and calls `onChange` after each event.
 * No polling: while nothing happens it makes no request.
 */
import type { Watch } from '@kubernetes/client-node';
import { logger } from './log.js';

const log = logger('informer');

export interface Listed<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

export interface InformerOptions<T> {
  /** What it watches, for messages: `jobs`, `pods`. */
  kind: string;
  /** The collection's path, e.g. /apis/batch/v1/namespaces/ns/jobs. */
  path: string;
  labelSelector: string;
  list(): Promise<Listed<T>>;
  watch: Watch;
  onChange(): void;
  onError?(err: unknown): void;
}

interface Named {
  metadata?: { name?: string; resourceVersion?: string };
}

const WATCH_SECONDS = 290;
const MAX_BACKOFF_MS = 30_000;

export class Informer<T extends Named> {
  readonly objects = new Map<string, T>();
  /** True once the first list has landed. */
  synced = false;
  /** Names that were seen and are gone (DELETED or missing from a re-list). */
  readonly deleted = new Set<string>();
  private resourceVersion = '';
  private stopped = false;
  private abort: AbortController | undefined;
  private backoffMs = 500;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: InformerOptions<T>) {}

  start(): void {
    void this.cycle();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort?.abort();
    this.abort = undefined;
  }

  private later(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.cycle(), ms);
  }

  private async cycle(): Promise<void> {
    if (this.stopped) return;
    const o = this.options;
    try {
      if (!this.resourceVersion) {
        const list = await o.list();
        if (this.stopped) return;
        const names = new Set<string>();
        for (const item of list.items) {
          const name = item.metadata?.name ?? '';
          names.add(name);
          this.objects.set(name, item);
        }
        for (const name of [...this.objects.keys()]) {
          if (!names.has(name)) {
            this.objects.delete(name);
            this.deleted.add(name);
          }
        }
        this.resourceVersion = list.metadata?.resourceVersion ?? '';
        this.synced = true;
        o.onChange();
      }
    } catch (err) {
      this.failed(err);
      return;
    }
    const started = Date.now();
    const done = (err: unknown) => {
      this.abort = undefined;
      if (this.stopped) return;
      if (err && !isAbort(err)) {
        if (statusOf(err) === 410) this.resourceVersion = '';
        this.failed(err);
        return;
      }
      this.backoffMs = 500;
      // The server ended the watch (its timeout): go on from where it was; avoid a tight loop.
      this.later(Date.now() - started < 1000 ? 1000 : 0);
    };
    try {
      const query = { labelSelector: o.labelSelector, resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: WATCH_SECONDS };
      const controller = await o.watch.watch(o.path, query, (type: string, obj: T & { code?: number }) => this.event(type, obj), done);
      if (this.stopped) controller.abort();
      else this.abort = controller;
    } catch (err) {
      done(err);
    }
  }

  private event(type: string, obj: T & { code?: number }): void {
    if (type === 'ERROR') {
      if (obj.code === 410) this.resourceVersion = '';
      log('%s watch error event: %o', this.options.kind, obj);
      return;
    }
    const name = obj.metadata?.name ?? '';
    if (type === 'ADDED' || type === 'MODIFIED') {
      this.objects.set(name, obj);
      this.deleted.delete(name);
    } else if (type === 'DELETED') {
      this.objects.delete(name);
      this.deleted.add(name);
    }
    if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
    if (type !== 'BOOKMARK') this.options.onChange();
  }

  private failed(err: unknown): void {
    if (this.stopped) return;
    log('%s list/watch failed (retry in %d ms): %s', this.options.kind, this.backoffMs, (err as Error)?.message ?? err);
    this.options.onError?.(err);
    this.later(this.backoffMs);
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
  }
}

function isAbort(err: unknown): boolean {
  return (err as { name?: string })?.name === 'AbortError' || (err as { type?: string })?.type === 'aborted';
}

function statusOf(err: unknown): number | undefined {
  const e = err as { statusCode?: number; code?: number };
  return e?.statusCode ?? (typeof e?.code === 'number' ? e.code : undefined);
}
