/**
 * The PBS job script, as a pure function: `#PBS` directives sorted and every value encoded for the
 * flavour's qsub (encode.ts), then
 * core's shared body (modules, setup, runner, exit-code marker), with the array index taken from
 * whichever of PBS_ARRAY_INDEX (PBS Pro, SLURM's wrappers) / PBS_ARRAYID (Torque) is set.
 */
import { checkJobSpec, renderBody, renderDirectives, renderScript, type BatchJobSpec } from '@clustrix/core/scheduler';
import { checkedAccount, checkedQueue, encodePbsValue } from './encode.js';
import { FLAVOURS, INDEX_ENV, type PbsFlavour } from './flavour.js';
import { checkedPath, safeJobName } from './names.js';
import { resourceLists } from './resources.js';

/** A Clustrix array of one item is submitted as a plain job (PBS Pro refuses a one-index range). */
export function isSchedulerArray(spec: BatchJobSpec): boolean {
  return spec.count !== undefined && spec.count > 1;
}

/**
 * Where PBS writes the job's stdout/stderr (-o/-e). A single job's go straight to the job folder's
 * stdout/stderr. Array tasks: PBS Pro names per-task files with ^array_index^; Torque cannot name
 * them by index (it appends "-N"), so there the script redirects the runner itself and PBS's own
 * files only catch what happens before that.
 */
export function streamPaths(spec: BatchJobSpec, flavour: PbsFlavour): { out: string; err: string; redirect: boolean } {
  const dir = checkedPath(spec.jobDir);
  if (spec.count === undefined) return { out: `${dir}/stdout`, err: `${dir}/stderr`, redirect: false };
  if (!isSchedulerArray(spec)) return { out: `${dir}/logs/0.out`, err: `${dir}/logs/0.err`, redirect: false };
  if (flavour === 'pbspro') return { out: `${dir}/logs/^array_index^.out`, err: `${dir}/logs/^array_index^.err`, redirect: false };
  return { out: `${dir}/logs/pbs.out`, err: `${dir}/logs/pbs.err`, redirect: true };
}

export function pbsDirectives(spec: BatchJobSpec, flavour: PbsFlavour): string[] {
  checkJobSpec(spec, 'pbs'); // core's control-character gate, naming the key, before any encoder runs
  const r = spec.resources;
  const traits = FLAVOURS[flavour];
  const streams = streamPaths(spec, flavour);
  const pairs: Array<[string, string | undefined]> = [
    ['-N', safeJobName(r.jobName ?? spec.label ?? 'clustrix')],
    ['-S', '/bin/bash'],
    ['-o', streams.out],
    ['-e', streams.err],
  ];
  // PBS Pro: write -o/-e directly to the (shared) job folder instead of copying them after the job
  if (flavour === 'pbspro') pairs.push(['-k', 'oed']);
  if (isSchedulerArray(spec)) {
    const cap = spec.concurrency !== undefined && spec.concurrency < spec.count! ? `%${spec.concurrency}` : '';
    pairs.push([traits.arrayFlag, `0-${spec.count! - 1}${cap}`]);
  }
  for (const list of resourceLists(r, flavour)) pairs.push(['-l', list]);
  if (r.queue !== undefined) pairs.push(['-q', checkedQueue(r.queue)]);
  if (r.account !== undefined) pairs.push(['-A', checkedAccount(r.account)]);
  // PBS Pro's exclusivity is `-l place=excl` (resources.ts); Torque's is the node-exclusive flag
  if (r.exclusive && flavour === 'torque') pairs.push(['-n', undefined]);
  return [
    ...renderDirectives('#PBS', pairs, ' ', (flag, value) => encodePbsValue(flavour, flag, value)),
    // SLURM's Torque wrappers submit with sbatch, which exports the whole environment unless told not to (real PBS does not without -V)
    ...(flavour === 'torque' ? ['#SBATCH --export=NONE'] : []),
    ...r.directives.map((d) => `#PBS ${d}`),
  ];
}

/** The shell expression of the 0-based task index: the flavour's own variable first. */
function indexExpr(spec: BatchJobSpec, flavour: PbsFlavour): string {
  if (!isSchedulerArray(spec)) return '0';
  const [own, other] = FLAVOURS[flavour].indexVars;
  return `"\${${own}:-\$${other}}"`;
}

export function renderPbsScript(spec: BatchJobSpec, flavour: PbsFlavour): string {
  checkJobSpec(spec, 'pbs'); // core's control-character gate first, so its error names the key
  const streams = streamPaths(spec, flavour);
  const body = renderBody(spec, { ...(spec.count !== undefined ? { indexExpr: indexExpr(spec, flavour) } : {}), redirect: streams.redirect });
  if (spec.count !== undefined) {
    const at = body.findIndex((l) => l.startsWith('i='));
    const [own, other] = FLAVOURS[flavour].indexVars;
    body.splice(
      at + 1,
      0,
      `case "$i" in ''|*[!0-9]*) printf '%s\\n' 'clustrix: this array task has no index in ${own} or ${other}' >&2; exit 2;; esac`,
      `export ${INDEX_ENV}="$i"`,
    );
  }
  return renderScript(pbsDirectives(spec, flavour), body);
}

/** qsub's argv: -o/-e on the command line as well, since some qsub front ends override the script's. */
export function qsubArgv(scriptPath: string, spec: BatchJobSpec, flavour: PbsFlavour): string[] {
  const streams = streamPaths(spec, flavour);
  return ['qsub', '-o', streams.out, '-e', streams.err, checkedPath(scriptPath)];
}
