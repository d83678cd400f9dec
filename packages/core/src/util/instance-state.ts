/**
 * The state one Clustrix instance keeps — its configuration, its clusters' runtimes, its runs in
 * progress, its event listeners — for `createClustrix`. Code run through an instance
 * (`instance.run(fn)`, and everything it starts) finds that instance's state; all other code finds
 * the default instance's, which is what the module-level API uses.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export class InstanceState {
  private readonly slots = new Map<symbol, unknown>();

  /** The value kept under `key`, made by `init` on first use. */
  slot<T>(key: symbol, init: () => T): T {
    if (!this.slots.has(key)) this.slots.set(key, init());
    return this.slots.get(key) as T;
  }
}

const active = new AsyncLocalStorage<InstanceState>();

/** The instance of the module-level API. */
export const defaultInstance = new InstanceState();

/** The instance the calling code runs in. */
export function currentInstance(): InstanceState {
  return active.getStore() ?? defaultInstance;
}

/** Run `fn` (and what it starts) in `instance`. */
export function runInInstance<T>(instance: InstanceState, fn: () => T): T {
  return active.run(instance, fn);
}
