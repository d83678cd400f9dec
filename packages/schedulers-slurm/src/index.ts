/**
 * @clustrix/schedulers-slurm — SLURM for Clustrix: `#SBATCH` rendering (sorted, quoted), job arrays
 * (`--array=0-N%K`), status from ONE `squeue` + ONE `sacct` per poll cycle for all outstanding jobs.
 * A profile with `scheduler: 'slurm'` loads this package. See docs/schedulers/slurm.md.
 */
import { batchSchedulerFactory } from '@clustrix/core';
import { slurmDialect } from './dialect.js';

export const scheduler = batchSchedulerFactory(slurmDialect);
export { slurmDialect };
export { renderSlurmScript, slurmDirectives } from './render.js';
export { parseSbatchId, parseSqueue, parseSacct, parseJobIdField, slurmReports } from './parse.js';
export { mapSlurmState, SLURM_STATES, slurmWord } from './states.js';
