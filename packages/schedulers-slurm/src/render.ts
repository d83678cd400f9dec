/**
 * The SLURM job script, as a pure function: `#SBATCH` directives sorted and every value encoded
 * for sbatch's own tokenizer (encode.ts),
 * then core's shared body (modules, setup, runner, exit-code marker).
 */
import { checkJobSpec, formatClock, renderBody, renderDirectives, renderScript, type BatchJobSpec } from '@clustrix/core/scheduler';
import { encodeSbatchValue, literalPattern as literal } from './encode.js';
import { exportDirective, requeueDirective } from './profile.js';

export function slurmDirectives(spec: BatchJobSpec): string[] {
  checkJobSpec(spec, 'slurm'); // core's control-character gate, naming the key, before any encoder runs
  const r = spec.resources;
  const dir = literal(spec.jobDir);
  const isArray = spec.count !== undefined;
  const pairs: Array<[string, string | undefined]> = [
    ['--chdir', spec.jobDir],
    ['--job-name', r.jobName ?? spec.label ?? 'clustrix'],
    ['--output', isArray ? `${dir}/logs/%a.out` : `${dir}/stdout`],
    ['--error', isArray ? `${dir}/logs/%a.err` : `${dir}/stderr`],
    // a requeued job (node failure, preemption) runs again into the same files: keep every run's output
    ['--open-mode', 'append'],
    // the submitter's environment stays home: the job gets its login environment, `env` and `exportEnv` (job.json)
    ['--export', exportDirective(spec.profile)],
  ];
  const requeue = requeueDirective(spec.profile);
  if (requeue) pairs.push([requeue, undefined]);
  if (isArray) pairs.push(['--array', `0-${spec.count! - 1}${spec.concurrency ? `%${spec.concurrency}` : ''}`]);
  if (r.cpus !== undefined) pairs.push(['--cpus-per-task', String(r.cpus)]);
  if (r.memoryMiB !== undefined) pairs.push(['--mem', `${r.memoryMiB}M`]);
  if (r.timeSeconds !== undefined) pairs.push(['--time', formatClock(r.timeSeconds)]);
  if (r.gpus) pairs.push(['--gres', `gpu:${r.gpus.type ? `${r.gpus.type}:` : ''}${r.gpus.count}`]);
  if (r.nodes !== undefined) pairs.push(['--nodes', String(r.nodes)]);
  if (r.tasksPerNode !== undefined) pairs.push(['--ntasks-per-node', String(r.tasksPerNode)]);
  if (r.queue !== undefined) pairs.push(['--partition', r.queue]);
  if (r.account !== undefined) pairs.push(['--account', r.account]);
  if (r.qos !== undefined) pairs.push(['--qos', r.qos]);
  if (r.constraint !== undefined) pairs.push(['--constraint', r.constraint]);
  if (r.exclusive) pairs.push(['--exclusive', undefined]);
  // B: signals the batch shell, which passes it on to the runner (renderBody's forwardSignal).
  if (spec.signalBeforeEnd) pairs.push(['--signal', `B:${spec.signalBeforeEnd.signal}@${spec.signalBeforeEnd.seconds}`]);
  return [...renderDirectives('#SBATCH', pairs, '=', encodeSbatchValue), ...r.directives.map((d) => `#SBATCH ${d}`)];
}

export function renderSlurmScript(spec: BatchJobSpec): string {
  return renderScript(
    slurmDirectives(spec),
    renderBody(spec, { indexExpr: '"$SLURM_ARRAY_TASK_ID"', ...(spec.signalBeforeEnd ? { forwardSignal: spec.signalBeforeEnd.signal } : {}) }),
  );
}
