/**
 * @clustrix/schedulers-pbs — PBS for Clustrix, in two flavours: `pbspro` (PBS Professional,
 * OpenPBS; the default) and `torque` (Torque, and SLURM's Torque wrappers). `#PBS` rendering
 * (sorted, quoted), job arrays (`-J`/`-t`), status from ONE `qstat -f` per poll cycle for all
 * outstanding jobs; completion and exit codes come from the job folder. A profile with
 * `scheduler: 'pbs'` loads this package. See docs/schedulers/pbs.md.
 */
import { BatchScheduler, type SchedulerContext, type SchedulerFactory } from '@clustrix/core';
import { z } from 'zod';
import { pbsDialect } from './dialect.js';
import { flavourOf, pbsOptionsShape } from './flavour.js';

export const scheduler: SchedulerFactory = {
  name: 'pbs',
  optionsShape: pbsOptionsShape,
  create: (ctx: SchedulerContext) => {
    const own = z.object(pbsOptionsShape).partial().parse({ ...(ctx.profile.flavour !== undefined ? { flavour: ctx.profile.flavour } : {}) });
    return new BatchScheduler(pbsDialect(flavourOf(own)), ctx.transport, own);
  },
};
export { pbsDialect };
export { DEFAULT_FLAVOUR, FLAVOURS, INDEX_ENV, flavourOf, pbsOptionsShape, type PbsFlavour, type FlavourTraits } from './flavour.js';
export { renderPbsScript, pbsDirectives, qsubArgv, streamPaths, isSchedulerArray } from './render.js';
export { resourceLists, walltime } from './resources.js';
export { safeJobName, checkedPath } from './names.js';
export { parseQsubId, parsePbsId, parseQstatFull, idKey, type PbsJobId, type QstatRecord } from './parse.js';
export { pbsReports, recordEntry } from './report.js';
export { PBS_STATES, outcomeOfExit, ENDED_WITHOUT_STATUS } from './states.js';
