/**
 * `@clustrix/core/scheduler` — for scheduler authors (the packages/schedulers-* packages): the scheduler
 * and transport contracts, the factory registry, the batch machinery a SLURM-like dialect plugs into,
 * resources, quoting and parsing helpers, the local transport and scheduler, the job-folder layout, and
 * the errors a scheduler throws. Users import `@clustrix/core`; tooling imports `@clustrix/core/jobs`.
 */
import '../polyfill.js';

export type {
  JobState,
  JobStatus,
  TaskStatus,
  JobRef,
  Scheduler,
  SchedulerContext,
  SchedulerFactory,
  SubmitRequest,
  UsageReport,
  SchedulerLimits,
} from '../scheduler/contract.js';
export type { JobUsage } from '@clustrix/wire';
export { isTerminal, TERMINAL_STATES } from '../scheduler/contract.js';
export { registerScheduler, loadSchedulerFactory } from '../scheduler/load.js';
export { aggregateTaskStatus } from '../scheduler/aggregate.js';
export { LocalScheduler } from '../scheduler/local.js';
export { SlotQueue, ARRAY_INDEX_ENV, type SlotJob, type SlotTask } from '../scheduler/slot-queue.js';
export { ListenerSet, type Listener } from '../util/listeners.js';
export type { Transport, ExecResult, ExecOptions, WriteOptions } from '../transport/contract.js';
export { LocalTransport } from '../transport/local.js';
export { argvToShell, quoteWord } from '../transport/shell-quote.js';
export { Watcher, type WatcherOptions } from '../exec/cluster/watcher.js';
export { BatchScheduler, batchSchedulerFactory, JOB_SCRIPT } from '../batch/scheduler.js';
export { mergeBatchStatus } from '../batch/status-merge.js';
export type { DialectChooser } from '../batch/scheduler.js';
export { killLine, NODE_HEAP_KILL } from '../exec/run/job-outcome.js';
export type { BatchDialect, BatchJobSpec, CommandOutput, SchedulerReport } from '../batch/dialect.js';
export { checkJobSpec, renderBody, renderDirectives, renderScript, type BodyOptions, type DirectiveEncoder } from '../batch/script.js';
export { roundTripScript, parseRoundTrip } from '../batch/round-trip.js';
export { normalizeResources, type Resources, type Gpus } from '../resources/normalize.js';
export { parseTime, parseMemory, formatClock } from '../resources/parse.js';
export { checkPrintable, describeChar, isPrintable, refuseChars, refuseValue, showValue } from '../resources/gate.js';
export { jobEnv } from '../resources/export-env.js';
export { RESOURCE_KEYS, type JobOptions, type ResourceKey } from '../options.js';
export type { ClusterProfile } from '../config/schema.js';
export { jobFiles } from '@clustrix/wire';
export * from '../errors.js';
