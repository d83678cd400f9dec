/**
 * @clustrix/schedulers-slurm — SLURM for Clustrix: `#SBATCH` rendering (sorted, quoted), job arrays
 * (`--array=0-N%K`), status from ONE `squeue` + ONE `sacct` per poll cycle for all outstanding jobs.
 * A profile with `scheduler: 'slurm'` loads this package. See docs/schedulers/slurm.md.
 */
import { batchSchedulerFactory, type SchedulerFactory } from '@clustrix/core/scheduler';
import { slurmDialect } from './dialect.js';
import { dialectForProfile, slurmOptionsShape } from './profile.js';

/** The profile's `slurmConf` (if any) goes into every command: one dialect per profile. */
export const scheduler: SchedulerFactory = batchSchedulerFactory({
  name: 'slurm',
  optionsShape: slurmOptionsShape,
  dialectFor: (profile) => dialectForProfile(slurmDialect, profile),
});
export { slurmDialect, SLURM_KILL_PATTERNS } from './dialect.js';
export { dialectForProfile, requeueDirective, slurmOptionsShape, type SlurmProfileOptions } from './profile.js';
export { renderSlurmScript, slurmDirectives } from './render.js';
export { parseSbatchId, parseSqueue, parseSacct, parseJobIdField, slurmReports } from './parse.js';
export { mapSlurmState, SLURM_STATES, slurmWord } from './states.js';
export { usageArgv as slurmUsageArgv, parseSlurmUsage, parseSlurmDuration, parseSlurmBytes, parseAllocTres, USAGE_FORMAT } from './usage.js';
