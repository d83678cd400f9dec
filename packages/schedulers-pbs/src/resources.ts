/**
 * Clustrix's resource model as PBS `-l` lists. PBS Pro asks in chunks (`select=N:ncpus=C:mem=M`,
 * placed with `place=`); Torque asks per node (`nodes=N:ppn=C`) plus job-wide `mem`. `memory`
 * means memory per node, as SLURM's `--mem` does.
 */
import { BadValueError, ConfigError, type Resources } from '@clustrix/core/scheduler';
import type { PbsFlavour } from './flavour.js';

/** Seconds as PBS walltime `HH:MM:SS` (hours may exceed 24). */
export function walltime(seconds: number): string {
  const s = Math.ceil(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return [h, m, s % 60].map((n) => String(n).padStart(2, '0')).join(':');
}

function untypedGpus(r: Resources): number | undefined {
  if (!r.gpus) return undefined;
  if (r.gpus.type !== undefined) {
    throw new ConfigError(
      `\`gpus: '${r.gpus.type}:${r.gpus.count}'\`: PBS has no standard GPU type. Ask for a count (\`gpus: ${r.gpus.count}\`) ` +
        `and add your site's GPU-type resource with \`directives\` (e.g. '-l select=1:ngpus=${r.gpus.count}:gpu_model=${r.gpus.type}' on PBS Pro)`,
      { scope: 'pbs', keyPath: 'gpus' },
    );
  }
  return r.gpus.count;
}

/** Torque node properties from `constraint`: plain words joined by `&` or `:`. */
function nodeProperties(constraint: string | undefined): string[] {
  if (constraint === undefined) return [];
  if (!/^[A-Za-z0-9_.-]+(?:[&:][A-Za-z0-9_.-]+)*$/.test(constraint)) {
    throw new BadValueError(
      `\`constraint: ${JSON.stringify(constraint)}\`: Torque takes node properties as plain words joined by '&' (all of them), e.g. 'bigmem&ib'`,
      { scope: 'pbs', keyPath: 'constraint' },
    );
  }
  return constraint.split(/[&:]/);
}

function pbsproLists(r: Resources): string[] {
  const lists: string[] = [];
  const gpus = untypedGpus(r);
  const perNode = (r.cpus ?? 1) * (r.tasksPerNode ?? 1);
  if (r.cpus !== undefined || r.tasksPerNode !== undefined || r.nodes !== undefined || r.memoryMiB !== undefined || gpus !== undefined) {
    const chunk = [`${r.nodes ?? 1}`, `ncpus=${perNode}`];
    if (r.tasksPerNode !== undefined) chunk.push(`mpiprocs=${r.tasksPerNode}`);
    if (r.memoryMiB !== undefined) chunk.push(`mem=${r.memoryMiB}mb`);
    if (gpus !== undefined) chunk.push(`ngpus=${gpus}`);
    lists.push(`select=${chunk.join(':')}`);
  }
  // SLURM's --nodes=N means N distinct nodes; PBS packs chunks unless told to scatter them
  const arrangement = (r.nodes ?? 1) > 1 ? 'scatter' : undefined;
  const place = [arrangement, r.exclusive ? 'excl' : undefined].filter(Boolean).join(':');
  if (place) lists.push(`place=${place}`);
  if (r.timeSeconds !== undefined) lists.push(`walltime=${walltime(r.timeSeconds)}`);
  return lists;
}

function torqueLists(r: Resources): string[] {
  const lists: string[] = [];
  const gpus = untypedGpus(r);
  const props = nodeProperties(r.constraint);
  if (r.cpus !== undefined || r.tasksPerNode !== undefined || r.nodes !== undefined || gpus !== undefined || props.length) {
    const spec = [`${r.nodes ?? 1}`, `ppn=${(r.cpus ?? 1) * (r.tasksPerNode ?? 1)}`];
    if (gpus !== undefined) spec.push(`gpus=${gpus}`);
    spec.push(...props);
    lists.push(`nodes=${spec.join(':')}`);
  }
  // Torque's mem is the whole job's
  if (r.memoryMiB !== undefined) lists.push(`mem=${r.memoryMiB * (r.nodes ?? 1)}mb`);
  if (r.timeSeconds !== undefined) lists.push(`walltime=${walltime(r.timeSeconds)}`);
  return lists;
}

/** The `-l` values for a job, sorted. */
export function resourceLists(r: Resources, flavour: PbsFlavour): string[] {
  return (flavour === 'pbspro' ? pbsproLists(r) : torqueLists(r)).sort();
}
