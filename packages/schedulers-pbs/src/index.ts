/**
 * @clustrix/schedulers-pbs — PBS for Clustrix, in two flavours: `pbspro` (PBS Professional,
 * OpenPBS; the default) and `torque` (Torque, and SLURM's Torque wrappers). `#PBS` rendering
 * (sorted, quoted), the flavour found by `qstat --version` unless the profile sets it, job arrays (`-J`/`-t`), status from ONE `qstat -f` per poll cycle for all
 * outstanding jobs; completion and exit codes come from the job folder. A profile with
 * `scheduler: 'pbs'` loads this package. See docs/schedulers/pbs.md.
 */
import { batchSchedulerFactory, type BatchScheduler, type SchedulerFactory } from '@clustrix/core/scheduler';
import { detectFlavour, type DetectedFlavour } from './detect.js';
import { pbsDialect, type PbsDialect } from './dialect.js';
import { pbsOptionsShape, type PbsFlavour } from './flavour.js';

/** A PBS cluster's scheduler: its dialect has the flavour it speaks and how that was found (`dialect.detected`; `variant`, printed by `clustrix doctor`). */
export type PbsScheduler = BatchScheduler & { readonly dialect: PbsDialect & { readonly detected: DetectedFlavour } };

export const scheduler: SchedulerFactory = batchSchedulerFactory({
  name: 'pbs',
  optionsShape: pbsOptionsShape,
  // without `flavour` in the profile, ONE `qstat --version` per connection tells PBS Pro/OpenPBS from Torque
  dialectFor: async (profile, ctx) => {
    const detected = await detectFlavour(ctx.transport, profile.flavour as PbsFlavour | undefined);
    return pbsDialect(detected.flavour, detected);
  },
});
export { detectFlavour, flavourFromVersion, VERSION_ARGV, type DetectedFlavour } from './detect.js';
export { pbsDialect, type PbsDialect };
export { DEFAULT_FLAVOUR, FLAVOURS, INDEX_ENV, flavourOf, pbsOptionsShape, type PbsFlavour, type FlavourTraits } from './flavour.js';
export { renderPbsScript, pbsDirectives, qsubArgv, streamPaths, isSchedulerArray } from './render.js';
export { resourceLists, walltime } from './resources.js';
export { safeJobName, checkedPath } from './names.js';
export { parseQsubId, parsePbsId, parseQstatFull, idKey, type PbsJobId, type QstatRecord } from './parse.js';
export { pbsReports, recordEntry } from './report.js';
export { PBS_STATES, outcomeOfExit, ENDED_WITHOUT_STATUS } from './states.js';
export { parsePbsUsage, parsePbsDuration, parsePbsSize } from './usage.js';
