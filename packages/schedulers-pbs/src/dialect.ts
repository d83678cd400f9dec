/** PBS (PBS Pro/OpenPBS or Torque) as a batch dialect: what core's batch machinery needs to drive qsub, qstat and qdel. */
import type { BatchDialect } from '@clustrix/core/scheduler';
import type { DetectedFlavour } from './detect.js';
import { FLAVOURS, INDEX_ENV, pbsOptionsShape, type PbsFlavour } from './flavour.js';
import { parseQsubId } from './parse.js';
import { qsubArgv, renderPbsScript } from './render.js';
import { pbsReports } from './report.js';
import { parsePbsUsage } from './usage.js';
import { limitsArgv, parsePbsLimits } from './limits.js';

/** What MoM (PBS Pro, OpenPBS, Torque) writes into a job's stderr when it kills the job at a limit. */
const MOM_KILLS = {
  memory: [/PBS: job killed: p?v?mem \S+ exceeded limit.*/],
  time: [/PBS: job killed: walltime \S+ exceeded limit.*/],
};

/** SLURM's Torque wrappers (the torque flavour) run jobs under slurmstepd, whose kill lines say why when their qstat cannot. */
const SLURMSTEPD_KILLS = {
  memory: [/exceeded (?:job )?memory limit.*/i, /oom[-_ ]kill.*/i],
  time: [/\*\*\* JOB \S+ ON \S+ CANCELLED AT \S+ DUE TO TIME LIMIT.*/],
};

/** A PBS dialect, with the flavour found for the cluster (`clustrix doctor` prints it as the scheduler's variant). */
export interface PbsDialect extends BatchDialect {
  readonly detected?: DetectedFlavour;
}

export function pbsDialect(flavour: PbsFlavour, detected?: DetectedFlavour): PbsDialect {
  const traits = FLAVOURS[flavour];
  const statusArgv = (ids: readonly string[]) => [['qstat', '-f', ...traits.qstatFlags, ...(ids.some((id) => id.includes('[')) ? ['-t'] : []), ...ids]];
  return {
    name: 'pbs',
    supports: traits.supports,
    arrayIndex: { env: INDEX_ENV, base: 0 },
    poll: { minMs: 250, maxMs: 30_000 },
    killPatterns:
      flavour === 'torque'
        ? { memory: [...SLURMSTEPD_KILLS.memory, ...MOM_KILLS.memory], time: [...SLURMSTEPD_KILLS.time, ...MOM_KILLS.time] }
        : MOM_KILLS,
    ...(detected ? { detected, variant: detected.description } : {}),
    optionsShape: pbsOptionsShape,
    render: (spec) => renderPbsScript(spec, flavour),
    submitArgv: (scriptPath, spec) => qsubArgv(scriptPath, spec, flavour),
    parseJobId: parseQsubId,
    // ONE qstat for every outstanding job; -t lists array subjobs (only real PBS ids carry `[]`)
    statusArgv,
    parseStatus: (outputs, ids) => pbsReports(flavour, outputs, ids),
    cancelArgv: (ids) => ['qdel', ...ids],
    // the job history's resources_used (PBS Pro/OpenPBS; the Torque wrappers print none)
    ...(flavour === 'pbspro' ? { usageArgv: statusArgv, parseUsage: parsePbsUsage } : {}),
    limitsArgv,
    parseLimits: (outputs) => parsePbsLimits(flavour, outputs),
  };
}
