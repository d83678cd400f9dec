/**
 * `createClustrix(config)`: an explicit Clustrix instance (think submitit's Executor) with its own
 * configuration, its own clusters (connections, watchers), its own job registry (from its
 * configuration) and its own job events. Two instances live side by side in one process:
 *
 *   const hpc = createClustrix({ defaultCluster: 'hpc', clusters: { hpc: {...} } });
 *   const result = await hpc.run(() => model.train(data));      // a decorated call, on hpc's clusters
 *   const handle = await hpc.submit(() => model.train(data));
 *   await hpc.shutdown();
 *
 * A decorated method called inside `run` (or `withOptions`, `submit`, `map` of an instance) — and
 * everything that call starts — uses the instance. Called anywhere else, it uses the default
 * instance: the module-level functions (`configure`, `submit`, `listJobs`, `shutdown`...).
 */
import { configure, reloadConfig } from '../config/current.js';
import type { LoadConfigOptions } from '../config/load.js';
import type { ClustrixConfigInput } from '../config/schema.js';
import { shutdown, getCluster } from '../exec/cluster/cluster-runtime.js';
import { onJobEvent } from '../exec/run/events.js';
import { InstanceState, runInInstance } from '../util/instance-state.js';
import { attach, attachBatch } from './attach.js';
import { cleanJobs } from './clean.js';
import { cancelJob, getJob, jobLogs, jobStatus, listJobs, refreshRecords } from './jobs.js';
import { map } from './map.js';
import { submit, withOptions } from './with-options.js';

export interface Clustrix {
  /** Run `fn` as this instance: decorated calls made in it, and all they start, use this instance. */
  run<T>(fn: () => T): T;
  configure: typeof configure;
  reloadConfig: typeof reloadConfig;
  withOptions: typeof withOptions;
  submit: typeof submit;
  map: typeof map;
  attach: typeof attach;
  attachBatch: typeof attachBatch;
  listJobs: typeof listJobs;
  getJob: typeof getJob;
  jobStatus: typeof jobStatus;
  cancelJob: typeof cancelJob;
  jobLogs: typeof jobLogs;
  refreshRecords: typeof refreshRecords;
  cleanJobs: typeof cleanJobs;
  onJobEvent: typeof onJobEvent;
  getCluster: typeof getCluster;
  /** Close this instance's cluster connections and watchers. */
  shutdown: typeof shutdown;
}

/** A Clustrix instance with `config` added at run time (as `configure(config, options)` does for the default one). */
export function createClustrix(config?: ClustrixConfigInput, options: LoadConfigOptions = {}): Clustrix {
  const instance = new InstanceState();
  const within = <F extends (...args: never[]) => unknown>(fn: F): F => ((...args: Parameters<F>) => runInInstance(instance, () => fn(...args))) as F;
  runInInstance(instance, () => configure(config, options));
  return {
    run: (fn) => runInInstance(instance, fn),
    configure: within(configure),
    reloadConfig: within(reloadConfig),
    withOptions: within(withOptions),
    submit: within(submit),
    map: within(map),
    attach: within(attach),
    attachBatch: within(attachBatch),
    listJobs: within(listJobs),
    getJob: within(getJob),
    jobStatus: within(jobStatus),
    cancelJob: within(cancelJob),
    jobLogs: within(jobLogs),
    refreshRecords: within(refreshRecords),
    cleanJobs: within(cleanJobs),
    onJobEvent: within(onJobEvent),
    getCluster: within(getCluster),
    shutdown: within(shutdown),
  };
}
