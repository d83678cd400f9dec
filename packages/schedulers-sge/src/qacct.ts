/**
 * `qacct -j ID`: how a finished job (or each task of an array) ended, for jobs that left qstat
 * without an exit-code marker in their folder. Blocks are separated by `====` lines, one per job or
 * started array task, in no fixed order; `failed 37` is a limit kill (h_rt OR h_vmem: told apart by
 * the wall clock against the requested h_rt and maxvmem against h_vmem), `failed 100` a qdel.
 */
import type { CommandOutput, JobState, SchedulerReport } from '@clustrix/core/scheduler';
import { FAILED, mapFailedCode } from './states.js';

export interface QacctRecord {
  jobId: string;
  /** 1-based task id; undefined for a plain job (`taskid undefined`). */
  taskId?: number;
  failed: number;
  /** The words after the code: `qmaster enforced h_rt, h_cpu, or h_vmem limit`. */
  failedText?: string;
  exitStatus?: number;
  wallclockSeconds?: number;
  maxvmemBytes?: number;
  slots: number;
  /** `-l` requests from the `category` line (`h_rt` → `5`, `h_vmem` → `1G`). */
  requests: Record<string, string>;
  submitted?: string;
  fields: Record<string, string>;
}

const UNIT: Record<string, number> = { '': 1, k: 1e3, K: 1024, m: 1e6, M: 1024 ** 2, g: 1e9, G: 1024 ** 3, t: 1e12, T: 1024 ** 4 };

/** SGE memory: `1G`, `1024M`, `100m` (decimal), qacct's `1.089GB`, `4.895MB`, `0.000B` → bytes. */
export function parseSgeMemory(value: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(B?)$/.exec(value?.trim() ?? '');
  if (!m) return undefined;
  // qacct prints binary units with a B (1.089GB); requests use SGE's case rule (K = 1024, k = 1000)
  const unit = m[3] ? (m[2] ?? '').toUpperCase() : m[2] ?? '';
  return Number(m[1]) * UNIT[unit]!;
}

/** SGE time: `5`, `0:0:5`, `1:02:03`, qacct's `6s`, `6.5s` → seconds. */
export function parseSgeTime(value: string | undefined): number | undefined {
  const v = value?.trim().replace(/s$/, '') ?? '';
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const m = /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(v);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

/** `-l h_rt=5,h_vmem=1G -pe smp 2` → { h_rt: '5', h_vmem: '1G' }. */
export function categoryRequests(category: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (category ?? '').matchAll(/(?:^|\s)-l\s+(\S+)/g)) {
    for (const pair of m[1]!.split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) out[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return out;
}

export function parseQacct(stdout: string): QacctRecord[] {
  const out: QacctRecord[] = [];
  for (const block of stdout.split(/^=+\s*$/m)) {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      const m = /^(\S+)\s+(.*?)\s*$/.exec(line);
      if (m) fields[m[1]!] = m[2]!;
    }
    if (!fields.jobnumber || fields.failed === undefined) continue;
    const failed = /^(\d+)\s*(?::\s*(.*))?$/.exec(fields.failed);
    const exit = /^(\d+)/.exec(fields.exit_status ?? '');
    const task = Number(fields.taskid);
    const wall = parseSgeTime(fields.ru_wallclock);
    const maxvmem = parseSgeMemory(fields.maxvmem);
    out.push({
      jobId: fields.jobnumber,
      ...(Number.isInteger(task) && task > 0 ? { taskId: task } : {}),
      failed: failed ? Number(failed[1]) : -1,
      ...(failed?.[2] ? { failedText: failed[2].trim() } : {}),
      ...(exit ? { exitStatus: Number(exit[1]) } : {}),
      ...(wall !== undefined ? { wallclockSeconds: wall } : {}),
      ...(maxvmem !== undefined ? { maxvmemBytes: maxvmem } : {}),
      slots: Number(fields.slots) || 1,
      requests: categoryRequests(fields.category),
      ...(fields.qsub_time ? { submitted: fields.qsub_time } : {}),
      fields,
    });
  }
  return out;
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)}G`;

type Entry = { state: JobState; schedulerState: string; reason?: string; exitCode?: number };

/** `failed 37`: a time limit or a memory limit? */
function limitKill(r: QacctRecord): { state: JobState; why: string } {
  const hrt = parseSgeTime(r.requests.h_rt);
  const wall = r.wallclockSeconds;
  const vmemPerSlot = parseSgeMemory(r.requests.h_vmem ?? r.requests.s_vmem);
  const vmem = vmemPerSlot === undefined ? undefined : vmemPerSlot * r.slots;
  const ran = wall === undefined ? '' : `ran ${wall} s`;
  const used = r.maxvmemBytes === undefined ? '' : `maxvmem ${gib(r.maxvmemBytes)}`;
  if (hrt !== undefined && wall !== undefined && wall >= hrt - 1) return { state: 'timeout', why: `${ran} of h_rt ${hrt} s` };
  if (vmem !== undefined && r.maxvmemBytes !== undefined && r.maxvmemBytes >= 0.9 * vmem) {
    return { state: 'out_of_memory', why: `${used} of h_vmem ${gib(vmem)}${r.slots > 1 ? ` (${r.slots} slots)` : ''}` };
  }
  // it ran for less than its h_rt: not the clock, so memory (or h_cpu, rarely set)
  if (hrt !== undefined && wall !== undefined) return { state: 'out_of_memory', why: [`${ran} of h_rt ${hrt} s, so not the time limit`, used].filter(Boolean).join('; ') };
  return { state: 'failed', why: [ran, used].filter(Boolean).join(', ') };
}

/** One accounting record → the state it stands for. */
export function explainRecord(r: QacctRecord): Entry {
  const text = `failed ${r.failed}${r.failedText ? ` : ${r.failedText}` : ''}`;
  const exitCode = r.exitStatus !== undefined ? { exitCode: r.exitStatus } : {};
  if (r.failed === FAILED.none) {
    return { state: r.exitStatus === 0 ? 'completed' : 'failed', schedulerState: `exit_status ${r.exitStatus ?? '?'}`, ...exitCode };
  }
  if (r.failed === FAILED.limit) {
    const { state, why } = limitKill(r);
    return { state, schedulerState: `failed ${r.failed}`, reason: why ? `${text} (${why})` : text, ...exitCode };
  }
  const state = mapFailedCode(r.failed);
  const extra = state === 'cancelled' ? ' (deleted with qdel while it ran, or killed by a signal)' : '';
  return { state, schedulerState: `failed ${r.failed}`, reason: `${text}${extra}`, ...exitCode };
}

/** The records of the most recent job with this id (SGE reuses ids after 9,999,999). */
function latest(records: QacctRecord[]): QacctRecord[] {
  const time = (r: QacctRecord) => (r.submitted ? Date.parse(r.submitted) || 0 : 0);
  const newest = Math.max(...records.map(time));
  return records.filter((r) => time(r) === newest);
}

/** explainArgv's commands: one `qacct -j ID` per job. */
export function qacctArgv(ids: readonly string[]): string[][] {
  return ids.map((id) => ['qacct', '-j', id]);
}

/** Reports for the jobs qacct knows; `error: job id N not found` (no record yet, or never ran) leaves a job out. */
export function qacctReports(outputs: readonly CommandOutput[], ids: readonly string[]): Map<string, SchedulerReport> {
  const reports = new Map<string, SchedulerReport>();
  ids.forEach((id, i) => {
    const out = outputs[i];
    if (!out || out.code !== 0) return;
    const records = parseQacct(out.stdout).filter((r) => r.jobId === id);
    if (!records.length) return;
    const mine = latest(records);
    if (mine.every((r) => r.taskId === undefined)) {
      reports.set(id, explainRecord(mine[mine.length - 1]!));
      return;
    }
    const tasks = new Map<number, Entry>();
    for (const r of mine) if (r.taskId !== undefined) tasks.set(r.taskId - 1, explainRecord(r)); // later records (reruns) win
    const first = [...tasks.values()].find((t) => t.state !== 'completed') ?? [...tasks.values()][0]!;
    reports.set(id, { state: first.state, schedulerState: first.schedulerState, ...(first.reason ? { reason: first.reason } : {}), tasks });
  });
  return reports;
}
