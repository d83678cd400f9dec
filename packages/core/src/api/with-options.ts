/**
 * Per-call options without touching the method's signature:
 *
 *   const result = await withOptions({ signal, time: '2h', cluster: 'hpc' }, () => model.fit(data));
 *   const job = await submit(() => model.fit(data), { cluster: 'hpc' });   // a JobHandle
 */
import { ClustrixError } from '../errors.js';
import { callContext, currentCallContext, mergeCallOptions } from '../exec/call/call-context.js';
import type { JobHandle } from '../exec/run/job-handle.js';
import { validateCallOptions } from '../exec/call/prepare.js';
import type { CallOptions } from '../options.js';

/** Run `fn` so that every `@cluster` call it makes takes `options` (over decorator and config). */
export function withOptions<T>(options: CallOptions, fn: () => Promise<T>): Promise<T> {
  validateCallOptions(options, 'withOptions() options');
  const outer = currentCallContext();
  return callContext.run({ options: mergeCallOptions(outer?.options, options) }, fn);
}

/**
 * Start the `@cluster` call that `fn` makes and return its handle at once (id, status, cancel,
 * result) instead of waiting for the result.
 */
export function submit<T>(fn: () => Promise<T>, options: CallOptions = {}): Promise<JobHandle<T>> {
  validateCallOptions(options, 'submit() options');
  const outer = currentCallContext();
  return new Promise<JobHandle<T>>((resolve, reject) => {
    let handle: JobHandle<T> | undefined;
    const result = callContext.run(
      {
        options: mergeCallOptions(outer?.options, options),
        onHandle: (h) => {
          if (!handle) {
            handle = h as JobHandle<T>;
            resolve(handle);
          }
        },
      },
      () => {
        try {
          return fn();
        } catch (err) {
          return Promise.reject(err);
        }
      },
    );
    // The caller reads the outcome through handle.result(); keep an early failure visible here.
    Promise.resolve(result).then(
      () => undefined,
      (err: unknown) => {
        if (!handle) reject(err);
      },
    );
    queueMicrotask(() => {
      if (!handle) {
        void Promise.resolve(result).finally(() => {
          if (!handle) reject(new ClustrixError('submit() expects a function that calls one @cluster method, e.g. submit(() => obj.method(x))'));
        });
      }
    });
  });
}
