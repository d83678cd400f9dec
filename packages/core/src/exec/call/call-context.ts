/**
 * Per-call options travel beside the call, not in the method's signature: `withOptions`, `submit` and
 * `map` run the caller's function inside an AsyncLocalStorage context that the decorated method
 * reads when it is called.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallOptions } from '../../options.js';
import type { CallInfo } from '../../runtime/decorator.js';

export interface CallCollector {
  /** Takes a call made inside `map`; returns its result promise. */
  add(call: CallInfo, options: CallOptions): Promise<unknown> | undefined;
}

export interface CallContext {
  options: CallOptions;
  /** Set by `submit`: receives the handle of the call. */
  onHandle?: (handle: unknown) => void;
  /** Set by `map`: collects calls into one batch. */
  collector?: CallCollector;
  /** Index of the `map` item being produced. */
  itemIndex?: number;
}

export const callContext = new AsyncLocalStorage<CallContext>();

export function currentCallContext(): CallContext | undefined {
  return callContext.getStore();
}

/** Merge outer and inner call options (inner wins; `env` merges). */
export function mergeCallOptions(outer: CallOptions | undefined, inner: CallOptions): CallOptions {
  if (!outer) return inner;
  const merged: CallOptions = { ...outer, ...inner };
  if (outer.env || inner.env) merged.env = { ...outer.env, ...inner.env };
  if (outer.signal && inner.signal && outer.signal !== inner.signal) merged.signal = AbortSignal.any([outer.signal, inner.signal]);
  return merged;
}
