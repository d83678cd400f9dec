/** Reading what the scripts print: pure functions, tested on captured output. */
import type { TaskStatus } from '@clustrix/core/scheduler';

/** One task's line from the status script. */
export interface RawTaskState {
  jobId: string;
  key: 'job' | number;
  /** E exited, T timed out, C cancelled, R running, P launched (no pid yet), L gone without an exit code, N never launched. */
  code: 'E' | 'T' | 'C' | 'R' | 'P' | 'L' | 'N';
  /** Exit code (E, T, C) or process group id (R, L). */
  value?: number;
}

const LINE = /^(\S+) (job|\d+) ([ETCRPLN])(?: (-?\d+))?$/;

export function parseStatus(stdout: string): RawTaskState[] {
  const out: RawTaskState[] = [];
  for (const line of stdout.split('\n')) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    out.push({
      jobId: m[1]!,
      key: m[2] === 'job' ? 'job' : Number(m[2]),
      code: m[3] as RawTaskState['code'],
      ...(m[4] !== undefined ? { value: Number(m[4]) } : {}),
    });
  }
  return out;
}

/** The Clustrix state of a task from its raw state (`time` for the timeout message). */
export function taskStatusOf(raw: RawTaskState, time?: string | number): TaskStatus {
  switch (raw.code) {
    case 'E':
      return raw.value === 0
        ? { state: 'completed', schedulerState: 'COMPLETED', exitCode: 0 }
        : { state: 'failed', schedulerState: 'FAILED', ...(raw.value !== undefined ? { exitCode: raw.value } : {}) };
    case 'T':
      return {
        state: 'timeout',
        schedulerState: 'TIMEOUT',
        reason: `time limit${time !== undefined ? ` of ${time}` : ''} reached`,
        ...(raw.value !== undefined ? { exitCode: raw.value } : {}),
      };
    case 'C':
      return { state: 'cancelled', schedulerState: 'CANCELLED', reason: 'cancelled', ...(raw.value !== undefined ? { exitCode: raw.value } : {}) };
    case 'R':
      return { state: 'running', schedulerState: 'RUNNING' };
    case 'P':
      return { state: 'pending', schedulerState: 'STARTING' };
    case 'L':
      return {
        state: 'lost',
        schedulerState: 'LOST',
        reason: `its process group${raw.value !== undefined ? ` ${raw.value}` : ''} is gone and it left no exit code (killed from outside, or the host rebooted)`,
      };
    default:
      return { state: 'unknown', schedulerState: 'UNKNOWN' };
  }
}

export interface LaunchResult {
  started: Map<string, number>;
  again: string[];
  cancelled: boolean;
}

export function parseLaunch(stdout: string): LaunchResult {
  const r: LaunchResult = { started: new Map(), again: [], cancelled: false };
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    let m: RegExpExecArray | null;
    if (t === 'cancelled') r.cancelled = true;
    else if ((m = /^started (job|\d+) (\d+)$/.exec(t))) r.started.set(m[1]!, Number(m[2]));
    else if ((m = /^again (job|\d+)$/.exec(t))) r.again.push(m[1]!);
  }
  return r;
}

export interface HostFacts {
  cpus: number;
  has: Set<string>;
  os: string;
}

export function parseProbe(stdout: string): HostFacts {
  const facts: HostFacts = { cpus: 1, has: new Set(), os: '' };
  for (const line of stdout.split('\n')) {
    const [k, ...rest] = line.trim().split(' ');
    const v = rest.join(' ');
    if (k === 'cpus' && Number(v) > 0) facts.cpus = Number(v);
    else if (k === 'has' && v) facts.has.add(v);
    else if (k === 'os') facts.os = v;
  }
  return facts;
}
