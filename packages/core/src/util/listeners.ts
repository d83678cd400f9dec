/**
 * A set of listeners: `add` returns the function that removes the listener again; `emit` calls every
 * listener in the order they were added, and one that throws is reported (to `onError`, by default a
 * `clustrix:listeners` debug log) without keeping the others from being called.
 */
import { logger } from './debug.js';

const log = logger('listeners');

export type Listener<A extends unknown[]> = (...args: A) => void;

export class ListenerSet<A extends unknown[] = []> {
  private readonly listeners = new Set<Listener<A>>();

  constructor(private readonly onError: (error: unknown) => void = logListenerError) {}

  /** How many listeners are added. */
  get size(): number {
    return this.listeners.size;
  }

  /** Add a listener; returns the function that removes it (calling it twice is harmless). */
  add(listener: Listener<A>): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Call every listener (a snapshot: one added or removed meanwhile does not change this round). */
  emit(...args: A): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(...args);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}

function logListenerError(error: unknown): void {
  log('a listener threw: %s', error instanceof Error ? error.message : String(error));
}
