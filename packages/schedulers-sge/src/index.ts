/**
 * @clustrix/schedulers-sge — Son of Grid Engine for Clustrix: `#$` rendering, job arrays
 * (`-t 1-N`, `-tc K`, SGE_TASK_ID is 1-based), status from ONE `qstat -xml` per poll cycle for all
 * outstanding jobs, and `qacct -j` only for jobs that ended without an exit code (time or memory
 * limit, qdel). A profile with `scheduler: 'sge'` loads this package. See docs/schedulers/sge.md.
 */
import { batchSchedulerFactory } from '@clustrix/core/scheduler';
import { SGE_SUPPORTS, sgeDialect } from './dialect.js';

export const scheduler = batchSchedulerFactory(sgeDialect);
export { sgeDialect, SGE_SUPPORTS };
export { sgeOptionsShape, sgeSettings, SGE_DEFAULTS, type SgeSettings } from './options.js';
export { renderSgeScript, sgeDirectives, sgeJobName, sgeClock, memoryRequest, NODE_MIN_ADDRESS_SPACE_MIB, ADDRESS_SPACE_RESOURCES } from './render.js';
export { parseQsubId, parseQstatXml, parseTaskRange, qstatReports, type QstatEntry } from './qstat.js';
export { parseQacct, qacctReports, qacctArgv, explainRecord, parseSgeMemory, parseSgeTime, categoryRequests, type QacctRecord } from './qacct.js';
export { mapSgeState, describeSgeState, mapFailedCode, FAILED } from './states.js';
export { usageArgv as sgeUsageArgv, parseSgeUsage } from './usage.js';
