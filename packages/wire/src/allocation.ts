/**
 * The nodes a job holds, read from the scheduler's environment on the node: SLURM (`SLURM_JOB_NODELIST`,
 * `SLURM_NODEID`, `SLURMD_NODENAME`, `SLURM_RESTART_COUNT`), PBS (`PBS_NODEFILE`), SGE (`PE_HOSTFILE`);
 * anywhere else one node, this host.
 */
import { readFileSync } from 'node:fs';

export interface JobAllocation {
  /** Every node of the allocation, in the scheduler's order (SLURM: `n[1-2]` expanded). */
  nodes: string[];
  /** The node this process runs on, as the scheduler names it. */
  node: string;
  /** Its position in `nodes` (SLURM_NODEID), 0 for the first (batch) node. */
  rank: number;
  /** `nodes.length`. */
  nodeCount: number;
  /** How many times the scheduler requeued and restarted this job (SLURM_RESTART_COUNT), 0 if never. */
  restarts: number;
}

/** SLURM hostlist → names: `n[1-3,7]`, `gpu[01-02],login1` → n1 n2 n3 n7, gpu01 gpu02 login1. */
export function expandHostlist(list: string): string[] {
  const out: string[] = [];
  for (const part of list.match(/[^,[]+(?:\[[^\]]*\])?[^,]*/g) ?? []) {
    const m = /^([^[]*)\[([^\]]*)\](.*)$/.exec(part);
    if (!m) {
      if (part) out.push(part);
      continue;
    }
    for (const range of m[2]!.split(',')) {
      const r = /^(\d+)(?:-(\d+))?$/.exec(range.trim());
      if (!r) continue;
      const width = r[1]!.length;
      const to = r[2] === undefined ? Number(r[1]) : Number(r[2]);
      for (let i = Number(r[1]); i <= to && out.length < 100_000; i++) out.push(`${m[1]}${String(i).padStart(width, '0')}${m[3]}`);
    }
  }
  return out;
}

function linesOf(path: string | undefined, pick: (line: string) => string | undefined): string[] | undefined {
  if (!path) return undefined;
  try {
    const names = readFileSync(path, 'utf8').split('\n').map((l) => pick(l.trim())).filter((x): x is string => !!x);
    return [...new Set(names)];
  } catch {
    return undefined;
  }
}

/** The allocation from `env` (the job's environment), or a one-node allocation of `host`. */
export function allocationFromEnv(env: NodeJS.ProcessEnv, host: string): JobAllocation {
  const restarts = Number(env.SLURM_RESTART_COUNT ?? 0) || 0;
  if (env.SLURM_JOB_NODELIST) {
    const nodes = expandHostlist(env.SLURM_JOB_NODELIST);
    const node = env.SLURMD_NODENAME ?? host;
    const rank = env.SLURM_NODEID !== undefined ? Number(env.SLURM_NODEID) : Math.max(0, nodes.indexOf(node));
    return { nodes, node, rank, nodeCount: nodes.length, restarts };
  }
  const fromFile =
    linesOf(env.PBS_NODEFILE, (l) => l || undefined) ?? linesOf(env.PE_HOSTFILE, (l) => l.split(/\s+/)[0] || undefined);
  if (fromFile?.length) {
    const rank = Math.max(0, fromFile.findIndex((n) => n === host || n.split('.')[0] === host.split('.')[0]));
    return { nodes: fromFile, node: fromFile[rank]!, rank, nodeCount: fromFile.length, restarts };
  }
  return { nodes: [host], node: host, rank: 0, nodeCount: 1, restarts };
}
