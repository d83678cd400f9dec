/**
 * SLURM's own profile keys, and the dialect a profile gets from them:
 *   slurmConf  path of the slurm.conf the commands use (exported as SLURM_CONF to sbatch, squeue,
 *              sacct and scancel): a second cluster on the same login node, as the multi-node
 *              testbed has. The job inherits it (sbatch exports the environment), so `srun` inside works.
 *   requeue    false renders `--no-requeue`: a job whose node fails ends NODE_FAIL (a NodeFailError
 *              naming the node) instead of being requeued by SLURM. true renders `--requeue`; unset
 *              leaves the cluster's default (JobRequeue, 1 unless the site changed it).
 */
import { z } from 'zod';
import type { BatchDialect, BatchJobSpec } from '@clustrix/core/scheduler';

export const slurmOptionsShape = {
  slurmConf: z.string().regex(/^\/[^\0\n]*$/, 'an absolute path to a slurm.conf'),
  requeue: z.boolean(),
};

export interface SlurmProfileOptions {
  slurmConf?: string;
  requeue?: boolean;
}

/** `--requeue` / `--no-requeue` from the profile, or nothing. */
export function requeueDirective(profile: Record<string, unknown>): string | undefined {
  const requeue = (profile as SlurmProfileOptions).requeue;
  return requeue === undefined ? undefined : requeue ? '--requeue' : '--no-requeue';
}

/**
 * `--export`'s value: NONE (the submitter's environment stays home), but a profile's `slurmConf` goes
 * with the job (`--export=SLURM_CONF=<path>`: that variable only) so that `srun` inside the job finds
 * the same cluster.
 */
export function exportDirective(profile: Record<string, unknown>): string {
  const conf = (profile as SlurmProfileOptions).slurmConf;
  return conf ? `SLURM_CONF=${conf}` : 'NONE';
}

/** The dialect with every command run as `env SLURM_CONF=<path> <command>` when the profile sets `slurmConf`. */
export function dialectForProfile(base: BatchDialect, profile: Record<string, unknown>): BatchDialect {
  const conf = (profile as SlurmProfileOptions).slurmConf;
  if (!conf) return base;
  const withConf = (argv: string[]): string[] => ['env', `SLURM_CONF=${conf}`, ...argv];
  return {
    ...base,
    submitArgv: (scriptPath: string, spec: BatchJobSpec) => withConf(base.submitArgv(scriptPath, spec)),
    statusArgv: (ids: readonly string[]) => base.statusArgv(ids).map(withConf),
    cancelArgv: (ids: readonly string[]) => withConf(base.cancelArgv(ids)),
    ...(base.usageArgv ? { usageArgv: (ids: readonly string[]) => base.usageArgv!(ids).map(withConf) } : {}),
  };
}
