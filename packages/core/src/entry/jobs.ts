/**
 * `@clustrix/core/jobs` — for tooling (the `clustrix` CLI): the job registry and what reads it (list,
 * status, cancel, logs, clean), the configuration as loaded and resolved, the clusters at run time, and
 * the remote node check. Users import `@clustrix/core`; scheduler packages import `@clustrix/core/scheduler`.
 */
import '../polyfill.js';

export { listJobs, getJob, jobStatus, cancelJob, jobLogs, refreshRecords, type ListJobsOptions, type JobStatusReport, type LogOptions } from '../api/jobs.js';
export { cleanJobs, type CleanOptions, type CleanReport } from '../api/clean.js';
export { registryDirOf, openRegistry, JobRegistry, type ListFilter } from '../registry/index.js';
export type { JobRecord, AttemptRecord, RecordState, PendingAttempt } from '../registry/record.js';
export { summarizeUsage, type UsageSummary, type UsageStats } from '../registry/usage-summary.js';
export { loadConfig, DEFAULT_CONFIG, type LoadedConfig, type ConfigLayer, type LoadConfigOptions } from '../config/load.js';
export { resolveCall, type ResolvedCall } from '../config/resolve.js';
export { clusterRuntime, getCluster, type ClusterRuntime } from '../exec/cluster/cluster-runtime.js';
export { checkRemoteNode } from '../exec/files/node-check.js';
