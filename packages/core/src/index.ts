/**
 * `@clustrix/core` — for users: run class methods on clusters with `@cluster`.
 * See docs/getting-started.md. Scheduler packages import `@clustrix/core/scheduler`; tooling (the CLI)
 * imports `@clustrix/core/jobs` (docs/architecture.md, "Entry points"). Shipped code sees the same names
 * through `runtime/index.ts` (a test keeps the two in step and this entry small).
 */
import './polyfill.js';

export { cluster } from './cluster-decorator.js';
export { register, type RegisterOptions } from '@clustrix/wire';
export { jobEnvironment, isInJob, type JobEnvironment } from '@clustrix/wire';
export { withOptions, submit } from './api/with-options.js';
export { map, type MapOptions } from './api/map.js';
export { Batch, type MapProgress } from './api/map-batch.js';
export { JobHandle } from './exec/run/job-handle.js';
export { attach, attachBatch, type AttachOptions } from './api/attach.js';
export { onJobEvent, type JobEvent, type JobEventListener } from './exec/run/events.js';
export { enableDebugLogs } from './api/debug-logs.js';
export { configure, reloadConfig } from './config/current.js';
export { defineConfig, type ClustrixConfig, type ClustrixConfigInput, type ClusterProfile, type ClusterProfileInput } from './config/schema.js';
export { shutdown } from './exec/cluster/cluster-runtime.js';
export type { JobOptions, CallOptions, ResourceKey } from './options.js';
export type { JobState, JobStatus, TaskStatus, JobRef } from './scheduler/contract.js';
export type { JobUsage } from '@clustrix/wire';
export type { RecordState } from './registry/record.js';
export * from './errors.js';
export { createClustrix, type Clustrix } from './api/client.js';
