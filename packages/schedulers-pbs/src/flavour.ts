/**
 * The two PBS flavours Clustrix speaks: PBS Professional / OpenPBS (`pbspro`) and Torque
 * (`torque`). They share `#PBS`, qsub, qstat -f and qdel, and differ in resource syntax, array
 * options, the array index variable and how long qstat remembers a finished job.
 */
import { z } from 'zod';
import type { ResourceKey } from '@clustrix/core/scheduler';

export type PbsFlavour = 'pbspro' | 'torque';

/** The flavour of a profile without `flavour`: PBS Pro/OpenPBS, the PBS that is still maintained. */
export const DEFAULT_FLAVOUR: PbsFlavour = 'pbspro';

/** Profile keys of `scheduler: 'pbs'`. */
export const pbsOptionsShape = {
  /** `pbspro` (PBS Professional, OpenPBS; default) or `torque` (Torque, and SLURM's Torque wrappers). */
  flavour: z.enum(['pbspro', 'torque']),
};

/** The variable the job script exports for the runner: the 0-based task index, whatever PBS called it. */
export const INDEX_ENV = 'CLUSTRIX_ARRAY_INDEX';

export interface FlavourTraits {
  /** qsub option declaring a job array. */
  arrayFlag: '-J' | '-t';
  /** Array index variables, the flavour's own first. */
  indexVars: readonly [string, string];
  /** qstat options always given (pbspro: -x, finished jobs with their Exit_status). */
  qstatFlags: readonly string[];
  /** Resource keys the flavour honours; the rest are refused by core before submission. */
  supports: ReadonlySet<ResourceKey>;
}

const COMMON: ResourceKey[] = [
  'cpus', 'memory', 'time', 'gpus', 'nodes', 'tasksPerNode', 'partition', 'queue', 'account', 'exclusive',
  'jobName', 'env', 'setup', 'modules', 'directives',
];

export const FLAVOURS: Readonly<Record<PbsFlavour, FlavourTraits>> = {
  pbspro: {
    arrayFlag: '-J',
    indexVars: ['PBS_ARRAY_INDEX', 'PBS_ARRAYID'],
    qstatFlags: ['-x'],
    // no `qos`; `constraint` has no portable form (node features are site-defined custom resources)
    supports: new Set(COMMON),
  },
  torque: {
    arrayFlag: '-t',
    indexVars: ['PBS_ARRAYID', 'PBS_ARRAY_INDEX'],
    qstatFlags: [],
    // no `qos`; `constraint` becomes node properties in `-l nodes=1:ppn=N:prop`
    supports: new Set<ResourceKey>([...COMMON, 'constraint']),
  },
};

/** The flavour a (validated) profile asks for. */
export function flavourOf(profile: Record<string, unknown>): PbsFlavour {
  return profile.flavour === 'torque' ? 'torque' : profile.flavour === 'pbspro' ? 'pbspro' : DEFAULT_FLAVOUR;
}
