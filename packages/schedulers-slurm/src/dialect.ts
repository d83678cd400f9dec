/** SLURM as a batch dialect: what core's batch machinery needs to drive sbatch, squeue, sacct and scancel. */
import type { BatchDialect, ResourceKey } from '@clustrix/core';
import { parseSbatchId, SACCT_FORMAT, slurmReports, SQUEUE_FORMAT } from './parse.js';
import { renderSlurmScript } from './render.js';

const ALL: ResourceKey[] = [
  'cpus', 'memory', 'time', 'gpus', 'nodes', 'tasksPerNode', 'partition', 'queue', 'account', 'qos',
  'constraint', 'exclusive', 'jobName', 'env', 'setup', 'modules', 'directives',
];

export const slurmDialect: BatchDialect = {
  name: 'slurm',
  supports: new Set(ALL),
  arrayIndex: { env: 'SLURM_ARRAY_TASK_ID', base: 0 },
  poll: { minMs: 250, maxMs: 30_000 },
  render: renderSlurmScript,
  submitArgv: (scriptPath) => ['sbatch', '--parsable', scriptPath],
  parseJobId: parseSbatchId,
  statusArgv: (ids) => [
    ['squeue', '--noheader', '--array', '--states=all', `--format=${SQUEUE_FORMAT}`, `--jobs=${ids.join(',')}`],
    ['sacct', '--noheader', '--parsable2', '--allocations', `--format=${SACCT_FORMAT}`, `--jobs=${ids.join(',')}`],
  ],
  parseStatus: slurmReports,
  cancelArgv: (ids) => ['scancel', ...ids],
};
