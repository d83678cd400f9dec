/**
 * `@clustrix/core` as shipped code sees it on a cluster node. The bundler points `@clustrix/core`
 * imports here, so a bundle carries only the decorator, the registry and the errors. Inside a job
 * decorated methods run directly; the submission API is not available there (no nested jobs).
 * The names match the full entry's exports (a test keeps them in step).
 */
import '../polyfill.js';
import { ClustrixError } from '../errors.js';
import { Batch } from '../api/batch.js';
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
export const listJobs = unavailable('listJobs');
export const getJob = unavailable('getJob');
export const jobStatus = unavailable('jobStatus');
export const cancelJob = unavailable('cancelJob');
export const jobLogs = unavailable('jobLogs');
export const refreshRecords = unavailable('refreshRecords');
export const cleanJobs = unavailable('cleanJobs');
/** Inside a job no job events happen: listening is allowed (a module may do it at load) and hears nothing. */
export function onJobEvent(_listener: unknown): () => void {
  return () => undefined;
}
export const registryDirOf = unavailable('registryDirOf');
export const openRegistry = unavailable('openRegistry');
export const JobRegistry = unavailable('JobRegistry');
export const checkRemoteNode = unavailable('checkRemoteNode');
export const enableDebugLogs = (): void => undefined;
export const configure = unavailable('configure');
export const reloadConfig = unavailable('reloadConfig');
export const loadConfig = unavailable('loadConfig');
export const DEFAULT_CONFIG = {};
export function defineConfig<T>(config: T): T {
  return config;
}
export const resolveCall = unavailable('resolveCall');
export const shutdown = async (): Promise<void> => undefined;
export const clusterRuntime = unavailable('clusterRuntime');
export const getCluster = unavailable('getCluster');
export const registerScheduler = unavailable('registerScheduler');
export const loadSchedulerFactory = unavailable('loadSchedulerFactory');
export const LocalScheduler = unavailable('LocalScheduler');
export const LOCAL_INDEX_ENV = 'CLUSTRIX_ARRAY_INDEX';
export const aggregateTaskStatus = unavailable('aggregateTaskStatus');
export const LocalTransport = unavailable('LocalTransport');
export const Watcher = unavailable('Watcher');
export const BatchScheduler = unavailable('BatchScheduler');
export const batchSchedulerFactory = unavailable('batchSchedulerFactory');
export const mergeBatchStatus = unavailable('mergeBatchStatus');
export const JOB_SCRIPT = 'job.sh';
export { checkJobSpec, renderBody, renderDirectives, renderScript } from '../batch/script.js';
export { roundTripScript, parseRoundTrip } from '../batch/round-trip.js';
export { normalizeResources } from '../resources/normalize.js';
export { checkPrintable, describeChar, isPrintable, refuseChars, refuseValue, showValue } from '../resources/gate.js';
export { jobEnv } from '../resources/export-env.js';
export { argvToShell, quoteWord } from '../transport/shell-quote.js';
export { parseTime, parseMemory, formatClock } from '../resources/parse.js';
export { isTerminal, TERMINAL_STATES } from '../scheduler/contract.js';
export const RESOURCE_KEYS: readonly string[] = [];
export * from '../errors.js';
