/**
 * One 'abort' listener per signal, however many jobs share it (a map of 10,000 items under one
 * AbortController would otherwise add 10,000 listeners and trip Node's leak warning).
 */
const handlers = new WeakMap<AbortSignal, Set<() => void>>();

export function onAbort(signal: AbortSignal, handler: () => void): () => void {
  if (signal.aborted) {
    queueMicrotask(handler);
    return () => undefined;
  }
  let set = handlers.get(signal);
  if (!set) {
    const created = new Set<() => void>();
    set = created;
    handlers.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        handlers.delete(signal);
        for (const h of created) h();
      },
      { once: true },
    );
  }
  set.add(handler);
  return () => set.delete(handler);
}
