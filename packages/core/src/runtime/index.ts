/**
 * `@clustrix/core` as shipped code sees it on a cluster node. The bundler points `@clustrix/core`
 * imports here, so a bundle carries only the decorator, the class registry and the errors. Inside a job
 * decorated methods run directly; the submission API is not available there (no nested jobs).
 * The value names match the user entry's (src/index.ts) exactly: a test keeps them in step. The
 * scheduler and tooling entries (`@clustrix/core/scheduler`, `@clustrix/core/jobs`) have no shipped form.
 */
import '../polyfill.js';
import { ClustrixError } from '../errors.js';
import { Batch } from '../api/map-batch.js';
import { makeClusterDecorator } from './decorator.js';

function unavailable(name: string): (...args: unknown[]) => never {
  return () => {
    throw new ClustrixError(`${name}() is not available inside a running job (jobs do not submit jobs); call the method directly`, {
      scope: 'runtime',
    });
  };
}

export const cluster = makeClusterDecorator({
  dispatch: () => Promise.reject(new ClustrixError('@cluster method called outside a job from shipped code', { scope: 'runtime' })),
});
export { register } from '@clustrix/wire';
export { jobEnvironment, isInJob } from '@clustrix/wire';
export { Batch };

/** Inside a job, options have nowhere to go: run `fn` as is. */
export function withOptions<T>(_options: unknown, fn: () => Promise<T>): Promise<T> {
  return fn();
}
/** Inside a job, a map runs its items here, in this process. */
export function map<I, R>(items: Iterable<I> | ArrayLike<I>, fn: (item: I, index: number) => Promise<R>): Batch<R> {
  return new Batch(Array.from(items as Iterable<I>).map((item, i) => Promise.resolve().then(() => fn(item, i))));
}
export const submit = unavailable('submit');
export class JobHandle {
  constructor() {
    throw new ClustrixError('JobHandle is not available inside a running job', { scope: 'runtime' });
  }
}
export const attach = unavailable('attach');
export const attachBatch = unavailable('attachBatch');
/** Inside a job no job events happen: listening is allowed (a module may do it at load) and hears nothing. */
export function onJobEvent(_listener: unknown): () => void {
  return () => undefined;
}
export const enableDebugLogs = (): void => undefined;
export const configure = unavailable('configure');
export const reloadConfig = unavailable('reloadConfig');
export function defineConfig<T>(config: T): T {
  return config;
}
export const shutdown = async (): Promise<void> => undefined;
export const createClustrix = unavailable('createClustrix');
export * from '../errors.js';
