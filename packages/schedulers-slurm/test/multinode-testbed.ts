// Faults on the multi-node SLURM cluster "mn" of scripts/testbed/slurm-multinode.sh (not a test file).
// A node's death is what the reference saw: kill -9 of its slurmd AND of its slurmstepd's and job
// processes (found by SLURMD_NODENAME in /proc/PID/environ). Needs root (the testbed runs as root).
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export const MN_CONF = '/etc/slurm-mn/slurm.conf';
export const MN_ENV = { ...process.env, SLURM_CONF: MN_CONF };
export const AS_ROOT = process.getuid?.() === 0;

const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { env: MN_ENV, encoding: 'utf8' });
const readPid = (file: string): number | undefined => {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};
const alive = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
};
const kill9 = (pid: number) => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone already */
  }
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `probe` every `everyMs` until it returns a value (not undefined/false), at most `tries` times. */
export async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, tries = 300, everyMs = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    await sleep(everyMs);
  }
  throw new Error(`condition not reached after ${tries} polls`);
}

/** Node(s) of a SLURM job on mn, from squeue (empty while pending). */
export function nodesOf(schedulerJobId: string): string {
  return sh('squeue', ['-h', '-j', schedulerJobId, '-o', '%N']).stdout.trim();
}

/** State of every node of mn: { n1: 'idle', ... }. */
export function nodeStates(): Record<string, string> {
  const out = sh('sinfo', ['-h', '-N', '-p', 'debug', '-o', '%N %t']).stdout.trim();
  return Object.fromEntries(out.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
}

function environOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return [];
  }
}
function ppidOf(pid: number): number | undefined {
  try {
    return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  } catch {
    return undefined;
  }
}
const commOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

/** Kill node `node` of mn as a crash would: its slurmd, its slurmstepd's and the job processes on it. Returns what was killed. */
export function killNode(node: string): { slurmd?: number; stepds: number[]; procs: number[] } {
  const slurmd = readPid(`/run/slurmd-mn-${node}.pid`);
  if (slurmd && commOf(slurmd) === 'slurmd') kill9(slurmd);
  const procs: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    if (environOf(Number(e)).includes(`SLURMD_NODENAME=${node}`)) procs.push(Number(e));
  }
  const stepds = [...new Set(procs.map(ppidOf).filter((p): p is number => !!p && commOf(p) === 'slurmstepd'))];
  stepds.forEach(kill9);
  procs.forEach(kill9);
  return { ...(slurmd ? { slurmd } : {}), stepds, procs };
}

/** Start node `node`'s slurmd again (if it is not running) and resume it; wait until it is usable. */
export async function restartNode(node: string): Promise<void> {
  const pid = readPid(`/run/slurmd-mn-${node}.pid`);
  if (!pid || !alive(pid) || commOf(pid) !== 'slurmd') execFileSync('/usr/sbin/slurmd', ['-f', MN_CONF, '-N', node], { env: MN_ENV });
  await until(() => {
    const st = nodeStates()[node] ?? '';
    if (/^(idle|mix|alloc)$/.test(st)) return true;
    if (/down|drain|fail/.test(st)) sh('scontrol', ['update', `NodeName=${node}`, 'State=RESUME']);
    return false;
  }, 150, 400);
}

/** Every node of mn up again (after a test that killed some). */
export async function allNodesUp(): Promise<void> {
  for (const n of Object.keys(nodeStates())) await restartNode(n);
}

/** Restart mn's slurmctld (SIGTERM by its pid file, start it again with its saved state), wait until it answers. */
export async function restartSlurmctld(): Promise<void> {
  const pid = readPid('/run/slurmctld-mn.pid');
  if (pid && commOf(pid) === 'slurmctld') {
    process.kill(pid, 'SIGTERM');
    await until(() => !alive(pid), 100, 100);
  }
  execFileSync('/usr/sbin/slurmctld', ['-f', MN_CONF], { env: MN_ENV });
  await until(() => sh('scontrol', ['ping']).stdout.includes('is UP'), 100, 200);
}

/** Job ids sacct (cluster mn) knows under a job name: one per sbatch that got through. */
export function sacctJobsNamed(name: string): string[] {
  return sh('sacct', ['-n', '-X', '-P', '-S', 'now-1hour', '--name', name, '-o', 'JobID']).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}
