/**
 * Parsers for SLURM's command output (tested on captured real output in test/fixtures): `sbatch
 * --parsable`, `squeue --noheader --array --states=all --format=SQUEUE_FORMAT` and
 * `sacct --noheader --parsable2 --allocations --format=SACCT_FORMAT`.
 */

/**
 * squeue fields: id, state (long), reason. No user-controlled field (job name, comment): a `|` in
 * one would shift the fields after it. (Captures taken with a trailing `%k` still parse.)
 */
export const SQUEUE_FORMAT = '%i|%T|%r';
/**
 * sacct fields (NodeList last: captures made before it was added still parse). No JobName: a `|`
 * in a job name shifted the fields and a TIMEOUT job read as COMPLETED. Captures taken with JobName
 * as the 2nd field (test/fixtures) still parse: there the 3rd field is a state, never an exit code.
 */
export const SACCT_FORMAT = 'JobID,State,ExitCode,Reason,Elapsed,Timelimit,NodeList';
import type { CommandOutput, SchedulerReport } from '@clustrix/core/scheduler';
import { describeSlurm, mapSlurmState, slurmWord } from './states.js';

/** `123`, or `123;cluster` → `123`. */
export function parseSbatchId(stdout: string): string {
  const line = stdout.trim().split('\n').pop()?.trim() ?? '';
  const id = line.split(';')[0]!;
  if (!/^\d+$/.test(id)) throw new Error(`expected a job id, got ${JSON.stringify(line)}`);
  return id;
}

export interface SlurmLine {
  /** The job (or array job) id. */
  jobId: string;
  /** Array task indices this line covers; undefined for a plain job. */
  tasks?: number[];
  word: string;
  raw: string;
  reason?: string;
  exitCode?: number;
  signal?: number;
  /** sacct: run time and limit (`00:01:20`, `00:01:00`). */
  elapsed?: string;
  timelimit?: string;
  /** sacct: the nodes the job ran on (`n1`, `n[1-2]`), to name a failed node. */
  nodes?: string;
}

/** `690`, `690_3`, `690_[1-3,7]`, `690_[0-9%2]` → id and task list. */
export function parseJobIdField(field: string): { jobId: string; tasks?: number[] } | undefined {
  const m = /^(\d+)(?:_(\d+|\[([^\]]*)\]))?(?:\.\S+)?$/.exec(field.trim());
  if (!m) return undefined;
  if (m[2] === undefined) return { jobId: m[1]! };
  if (m[3] === undefined) return { jobId: m[1]!, tasks: [Number(m[2])] };
  const tasks: number[] = [];
  for (const part of m[3].split('%')[0]!.split(',')) {
    const r = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part.trim());
    if (!r) continue;
    const from = Number(r[1]);
    const to = r[2] === undefined ? from : Number(r[2]);
    const step = r[3] === undefined ? 1 : Number(r[3]);
    for (let i = from; i <= to && tasks.length < 1_000_000; i += step) tasks.push(i);
  }
  return { jobId: m[1]!, tasks };
}

/** squeue --noheader --array --states=all --format=SQUEUE_FORMAT */
export function parseSqueue(stdout: string): SlurmLine[] {
  const out: SlurmLine[] = [];
  for (const line of stdout.split('\n')) {
    const [id, state, reason] = line.trim().split('|');
    if (!id || !state) continue;
    const parsed = parseJobIdField(id);
    if (!parsed) continue;
    out.push({ ...parsed, word: slurmWord(state), raw: state, ...(reason ? { reason: reason.trim() } : {}) });
  }
  return out;
}

/** sacct --noheader --parsable2 --allocations --format=SACCT_FORMAT */
export function parseSacct(stdout: string): SlurmLine[] {
  const out: SlurmLine[] = [];
  for (const line of stdout.split('\n')) {
    const f = line.trim().split('|');
    const withName = f.length > 2 && !/^\d+:\d+$/.test(f[2]!); // a capture taken with JobName as the 2nd field
    const [id, state, exit, reason, elapsed, timelimit, nodes] = withName ? [f[0], ...f.slice(2)] : f;
    if (!id || !state || id.includes('.')) continue; // steps (.batch, .extern) if --allocations was left out
    const parsed = parseJobIdField(id);
    if (!parsed) continue;
    const ec = /^(\d+):(\d+)$/.exec(exit?.trim() ?? '');
    out.push({
      ...parsed,
      word: slurmWord(state),
      raw: state,
      ...(reason ? { reason: reason.trim() } : {}),
      ...(ec ? { exitCode: Number(ec[1]), signal: Number(ec[2]) } : {}),
      ...(elapsed ? { elapsed } : {}),
      ...(timelimit ? { timelimit } : {}),
      ...(nodes && nodes !== 'None assigned' ? { nodes: nodes.trim() } : {}),
    });
  }
  return out;
}

type Entry = { state: ReturnType<typeof mapSlurmState>; schedulerState: string; reason?: string; exitCode?: number };

function entry(l: SlurmLine): Entry {
  const ran = l.elapsed && l.timelimit && /^\d/.test(l.timelimit) ? `ran ${l.elapsed} of ${l.timelimit}` : undefined;
  const killed = l.signal ? `killed by signal ${l.signal}` : undefined;
  // NODE_FAIL / PREEMPTED: say which node, so the error names it
  const where = l.nodes && (l.word === 'NODE_FAIL' || l.word === 'BOOT_FAIL' || l.word === 'PREEMPTED') ? `on node ${l.nodes}` : undefined;
  const reason = [describeSlurm(l.word, l.reason, l.raw), where, killed, ran].filter(Boolean).join('; ') || undefined;
  return {
    state: mapSlurmState(l.raw),
    schedulerState: l.word,
    ...(reason ? { reason } : {}),
    // "0:15" is a kill by signal 15, not a clean exit; a cancelled allocation's "0:0" is no exit code either
    ...(l.exitCode !== undefined && !(l.exitCode === 0 && (l.signal || mapSlurmState(l.raw) === 'cancelled')) ? { exitCode: l.exitCode } : {}),
  };
}

const ACTIVE = new Set(['pending', 'running']);

function index(lines: SlurmLine[], wanted: Set<string>): Map<string, Entry> {
  const m = new Map<string, Entry>();
  for (const l of lines) {
    if (!wanted.has(l.jobId)) continue;
    const e = entry(l);
    if (!l.tasks) m.set(`${l.jobId}`, e);
    else for (const t of l.tasks) m.set(`${l.jobId}_${t}`, e);
  }
  return m;
}

/**
 * Reports by job id from both commands. squeue is the fresher source while a job is active; sacct
 * has exit codes and keeps jobs after squeue forgets them (MinJobAge). If sacct failed (accounting
 * disabled), squeue --states=all alone still reports jobs that ended in the last MinJobAge seconds.
 */
export function slurmReports(outputs: readonly CommandOutput[], ids: readonly string[]): Map<string, SchedulerReport> {
  const [sq, sa] = outputs;
  const wanted = new Set(ids);
  const squeue = index(sq && sq.code === 0 ? parseSqueue(sq.stdout) : [], wanted);
  const sacct = index(sa && sa.code === 0 ? parseSacct(sa.stdout) : [], wanted);
  const reports = new Map<string, SchedulerReport>();
  for (const key of new Set([...sacct.keys(), ...squeue.keys()])) {
    const q = squeue.get(key);
    const a = sacct.get(key);
    // active in squeue → squeue (sacct lags); ended → sacct (exit code), else whatever knows it
    const e = q && ACTIVE.has(q.state) ? q : a && !ACTIVE.has(a.state) ? { ...q, ...a } : (q ?? a)!;
    const [jobId, task] = key.split('_') as [string, string | undefined];
    if (task === undefined) {
      const prev = reports.get(jobId);
      reports.set(jobId, { ...e, ...(prev?.tasks ? { tasks: prev.tasks } : {}) });
    } else {
      const r = reports.get(jobId) ?? { ...e };
      r.tasks ??= new Map();
      r.tasks.set(Number(task), e);
      reports.set(jobId, r);
    }
  }
  return reports;
}
