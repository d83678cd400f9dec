/**
 * @clustrix/core — run class methods on clusters with `@cluster`.
 * See docs/getting-started.md.
 */
import './polyfill.js';

export { cluster } from './cluster-decorator.js';
export { register, type RegisterOptions } from './runtime/registry.js';
export { jobEnvironment, isInJob, type JobEnvironment } from './runtime/job-context.js';
export { withOptions, submit } from './api/with-options.js';
export { map, type MapOptions } from './api/map.js';
export { Batch, type MapProgress } from './api/batch.js';
export { JobHandle } from './exec/run/job-handle.js';
export { attach, attachBatch, type AttachOptions } from './api/attach.js';
export { listJobs, getJob, jobStatus, cancelJob, jobLogs, refreshRecords, type ListJobsOptions, type JobStatusReport, type LogOptions } from './api/jobs.js';
export { cleanJobs, type CleanOptions, type CleanReport } from './api/clean.js';
export { onJobEvent, type JobEvent, type JobEventListener } from './exec/run/events.js';
export { registryDirOf, openRegistry, JobRegistry, type ListFilter } from './registry/index.js';
export type { JobRecord, AttemptRecord, RecordState, PendingAttempt } from './registry/record.js';
export { checkRemoteNode } from './exec/files/node-check.js';
export { enableDebugLogs } from './api/debug-logs.js';
export { configure, reloadConfig } from './config/current.js';
export { loadConfig, DEFAULT_CONFIG, type LoadedConfig, type ConfigLayer, type LoadConfigOptions } from './config/load.js';
export { defineConfig, type ClustrixConfig, type ClustrixConfigInput, type ClusterProfile, type ClusterProfileInput } from './config/schema.js';
export { resolveCall, type ResolvedCall } from './config/resolve.js';
export { closeClusters as shutdown, clusterRuntime, getCluster, type ClusterRuntime } from './exec/cluster/cluster-runtime.js';
export { registerScheduler, loadSchedulerFactory } from './scheduler/load.js';
export { LocalScheduler, LOCAL_INDEX_ENV, aggregate as aggregateTaskStatus } from './scheduler/local.js';
export { LocalTransport } from './transport/local.js';
export { argvToShell, quoteWord } from './transport/shell-quote.js';
export { parseTime, parseMemory, formatClock } from './resources/parse.js';
export { Watcher, type WatcherOptions } from './exec/cluster/watcher.js';
export { BatchScheduler, batchSchedulerFactory, JOB_SCRIPT } from './batch/scheduler.js';
export { merge as mergeBatchStatus } from './batch/status-merge.js';
export type { BatchDialect, BatchJobSpec, CommandOutput, SchedulerReport } from './batch/dialect.js';
export { checkJobSpec, renderBody, renderDirectives, renderScript, type BodyOptions, type DirectiveEncoder } from './batch/script.js';
export { roundTripScript, parseRoundTrip } from './batch/round-trip.js';
export { normalizeResources, type Resources, type Gpus } from './resources/normalize.js';
export { checkPrintable, describeChar, isPrintable, refuseChars, refuseValue, showValue } from './resources/gate.js';
export { jobEnv } from './resources/export-env.js';
export { isTerminal, TERMINAL_STATES } from './scheduler/contract.js';
export type {
  JobState,
  JobStatus,
  TaskStatus,
  JobRef,
  Scheduler,
  SchedulerContext,
  SchedulerFactory,
  SubmitRequest,
} from './scheduler/contract.js';
export type { Transport, ExecResult, ExecOptions, WriteOptions } from './transport/contract.js';
export type { JobOptions, CallOptions, ResourceKey } from './options.js';
export { RESOURCE_KEYS } from './options.js';
export * from './errors.js';
