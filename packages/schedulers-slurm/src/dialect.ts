/** SLURM as a batch dialect: what core's batch machinery needs to drive sbatch, squeue, sacct and scancel. */
import { TransportError, type BatchDialect, type CommandOutput, type ResourceKey } from '@clustrix/core/scheduler';
import { parseSbatchId, SACCT_FORMAT, slurmReports, SQUEUE_FORMAT } from './parse.js';
import { parseSlurmUsage, usageArgv } from './usage.js';
import { limitsArgv, parseSlurmLimits } from './limits.js';
import { slurmOptionsShape } from './profile.js';
import { renderSlurmScript } from './render.js';

/**
 * squeue failed for another reason than "Invalid job id" (every asked job purged from slurmctld's
 * memory, which sacct then answers): slurmctld is unreachable (restarting, overloaded). Nothing can be
 * concluded about any job this cycle — a job sacct does not know yet (just submitted) would read as
 * missing and end `lost` — so the cycle fails and the watcher asks again (it tolerates a run of failures).
 */
export function checkSqueueReached(outputs: readonly CommandOutput[]): void {
  const sq = outputs[0];
  if (!sq || sq.code === 0 || /Invalid job id/i.test(sq.stdout)) return;
  throw new TransportError(`squeue cannot reach slurmctld (exit code ${sq.code}): ${sq.stdout.trim().split('\n').pop()?.slice(0, 300) ?? ''}`, { scope: 'slurm' });
}

/**
 * sbatch failed because slurmctld refused the connection (restarting): nothing was submitted, so core
 * may run it again. A timeout ("Socket timed out") is not safe: the job may have been accepted.
 */
export function sbatchRefusedSafely(output: { stdout: string; stderr: string }): boolean {
  return /Unable to contact slurm controller \(connect failure\)/.test(`${output.stderr}\n${output.stdout}`);
}

const ALL: ResourceKey[] = [
  'cpus', 'memory', 'time', 'gpus', 'nodes', 'tasksPerNode', 'partition', 'queue', 'account', 'qos',
  'constraint', 'exclusive', 'jobName', 'env', 'setup', 'modules', 'directives',
];

/**
 * What slurmstepd writes into a job's stderr when it kills the job: over its memory (JobAcctGather's
 * OverMemoryKill, or the cgroup's OOM killer: `Detected 1 oom_kill event`), or at its time limit.
 */
export const SLURM_KILL_PATTERNS = {
  memory: [/exceeded (?:job )?memory limit.*/i, /oom[-_ ]kill.*/i],
  time: [/\*\*\* JOB \S+ ON \S+ CANCELLED AT \S+ DUE TO TIME LIMIT.*/],
};

export const slurmDialect: BatchDialect = {
  name: 'slurm',
  supports: new Set(ALL),
  arrayIndex: { env: 'SLURM_ARRAY_TASK_ID', base: 0 },
  poll: { minMs: 250, maxMs: 30_000 },
  killPatterns: SLURM_KILL_PATTERNS,
  optionsShape: slurmOptionsShape,
  render: renderSlurmScript,
  submitArgv: (scriptPath) => ['sbatch', '--parsable', scriptPath],
  submitRefusedSafely: sbatchRefusedSafely,
  parseJobId: parseSbatchId,
  statusArgv: (ids) => [
    ['squeue', '--noheader', '--array', '--states=all', `--format=${SQUEUE_FORMAT}`, `--jobs=${ids.join(',')}`],
    ['sacct', '--noheader', '--parsable2', '--allocations', `--format=${SACCT_FORMAT}`, `--jobs=${ids.join(',')}`],
  ],
  parseStatus: (outputs, ids) => {
    checkSqueueReached(outputs);
    return slurmReports(outputs, ids);
  },
  cancelArgv: (ids) => ['scancel', ...ids],
  usageArgv,
  parseUsage: parseSlurmUsage,
  limitsArgv,
  parseLimits: parseSlurmLimits,
};
