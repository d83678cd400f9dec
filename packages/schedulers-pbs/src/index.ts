/**
 * @clustrix/schedulers-pbs — PBS for Clustrix, in two flavours: `pbspro` (PBS Professional,
 * OpenPBS; the default) and `torque` (Torque, and SLURM's Torque wrappers). `#PBS` rendering
 * (sorted, quoted), the flavour found by `qstat --version` unless the profile sets it, job arrays (`-J`/`-t`), status from ONE `qstat -f` per poll cycle for all
 * outstanding jobs; completion and exit codes come from the job folder. A profile with
 * `scheduler: 'pbs'` loads this package. See docs/schedulers/pbs.md.
 */
import { BatchScheduler, type SchedulerContext, type SchedulerFactory, type Transport } from '@clustrix/core/scheduler';
import { z } from 'zod';
import { detectFlavour, type DetectedFlavour } from './detect.js';
import { pbsDialect } from './dialect.js';
import { pbsOptionsShape } from './flavour.js';

/** A PBS cluster's scheduler, with the flavour it speaks and how that was found (`variant`, printed by `clustrix doctor`). */
export class PbsScheduler extends BatchScheduler {
  constructor(
    readonly detected: DetectedFlavour,
    transport: Transport,
    own: Record<string, unknown>,
  ) {
    super(pbsDialect(detected.flavour), transport, own);
  }

  get variant(): string {
    return this.detected.description;
  }
}

export const scheduler: SchedulerFactory = {
  name: 'pbs',
  optionsShape: pbsOptionsShape,
  // without `flavour` in the profile, ONE `qstat --version` per connection tells PBS Pro/OpenPBS from Torque
  create: async (ctx: SchedulerContext) => {
    const own = z.object(pbsOptionsShape).partial().parse({ ...(ctx.profile.flavour !== undefined ? { flavour: ctx.profile.flavour } : {}) });
    return new PbsScheduler(await detectFlavour(ctx.transport, own.flavour), ctx.transport, own);
  },
};
export { detectFlavour, flavourFromVersion, VERSION_ARGV, type DetectedFlavour } from './detect.js';
export { pbsDialect };
export { DEFAULT_FLAVOUR, FLAVOURS, INDEX_ENV, flavourOf, pbsOptionsShape, type PbsFlavour, type FlavourTraits } from './flavour.js';
export { renderPbsScript, pbsDirectives, qsubArgv, streamPaths, isSchedulerArray } from './render.js';
export { resourceLists, walltime } from './resources.js';
export { safeJobName, checkedPath } from './names.js';
export { parseQsubId, parsePbsId, parseQstatFull, idKey, type PbsJobId, type QstatRecord } from './parse.js';
export { pbsReports, recordEntry } from './report.js';
export { PBS_STATES, outcomeOfExit, ENDED_WITHOUT_STATUS } from './states.js';
