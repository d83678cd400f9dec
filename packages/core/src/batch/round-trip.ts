/**
 * One status round trip: run every status command of a dialect and read the completion markers of
 * every job folder, in ONE remote shell command. Each command's output is framed so it can be split
 * again however it looks; the markers are `path:exit code` lines from one `grep`.
 */
import { argvToShell, quoteWord } from '../transport/shell-quote.js';
import type { CommandOutput } from './dialect.js';

import { jobFiles } from '@clustrix/wire';

const TAG = '@@clustrix-rt';

/** A file Clustrix writes into a job folder before it asks the scheduler to cancel the job (any process, any machine). */
export const CANCEL_MARKER = jobFiles.cancelRequested;

export interface MarkerWait {
  /** Wait at most this long. */
  ms: number;
  /** Marker files already seen: the wait ends when there are more. */
  known: number;
}

/** Check often at first, then less: 50 ms for 2 s, 250 ms up to 10 s, then 1 s. */
export function waitPhases(ms: number): Array<[count: number, seconds: string]> {
  const phases: Array<[number, string]> = [];
  let left = ms;
  for (const [span, step] of [
    [2000, 50],
    [8000, 250],
    [Number.POSITIVE_INFINITY, 1000],
  ] as const) {
    const use = Math.min(left, span);
    const count = Math.floor(use / step);
    if (count > 0) phases.push([count, String(step / 1000)]);
    left -= use;
    if (left <= 0) break;
  }
  return phases;
}

function markerGlobs(jobDirs: readonly string[]): string {
  return jobDirs.map((d) => `${quoteWord(`${d}/exit_code`)} ${quoteWord(d)}/exit_codes/*`).join(' ');
}

export function roundTripScript(commands: readonly string[][], jobDirs: readonly string[], wait?: MarkerWait): string {
  const parts: string[] = [];
  if (wait && jobDirs.length && wait.ms >= 50) {
    // Long poll: wait here, on the cluster, until a job folder gets an exit-code marker (no scheduler queries meanwhile).
    parts.push(`m() { c=0; for f in ${markerGlobs(jobDirs)}; do [ -e "$f" ] && c=$((c+1)); done; }`);
    const phases = waitPhases(wait.ms).map(([n, s]) => `'${n} ${s}'`).join(' ');
    parts.push(
      `for p in ${phases}; do set -- $p; k=0; while [ "$k" -lt "$1" ]; do m; [ "$c" -gt ${Math.max(0, Math.floor(wait.known))} ] && break 2; sleep "$2"; k=$((k+1)); done; done`,
    );
    // A job just finished: its marker says all we need now; the scheduler is asked next cycle.
    parts.push(`if [ "$c" -gt ${Math.max(0, Math.floor(wait.known))} ]; then printf '%s\n' '${TAG} skipped'; else`);
  }
  commands.forEach((argv, i) => {
    parts.push(`printf '%s\\n' '${TAG} cmd ${i}'`);
    parts.push(`${argvToShell(argv)} 2>&1`);
    parts.push(`printf '\\n%s %s\\n' '${TAG} rc' "$?"`);
  });
  if (wait && jobDirs.length && wait.ms >= 50) parts.push('fi');
  parts.push(`printf '%s\\n' '${TAG} markers'`);
  // one grep per 500 folders keeps each command line far below the system's limit
  for (let i = 0; i < jobDirs.length; i += 500) {
    const some = jobDirs.slice(i, i + 500);
    parts.push(`grep -sH . ${markerGlobs(some)} ${some.map((d) => quoteWord(`${d}/${CANCEL_MARKER}`)).join(' ')} 2>/dev/null`);
  }
  parts.push(`printf '%s\\n' '${TAG} end'`);
  return parts.join('\n');
}

export interface FolderMarkers {
  exitCode?: number;
  tasks: Map<number, number>;
  /** The folder holds CANCEL_MARKER: a Clustrix process asked the scheduler to cancel the job. */
  cancelRequested?: boolean;
}

export interface RoundTripResult {
  outputs: CommandOutput[];
  /** job folder → exit code of the single job, or of each array task by index; whether Clustrix asked to cancel it. */
  markers: Map<string, FolderMarkers>;
  /** False when the output was cut short (the end tag is missing). */
  complete: boolean;
  /** True when a long poll saw a job finish and skipped the scheduler's commands this time. */
  skipped: boolean;
}

export function parseRoundTrip(stdout: string, commandCount: number, jobDirs: readonly string[]): RoundTripResult {
  const outputs: CommandOutput[] = [];
  for (let i = 0; i < commandCount; i++) {
    const start = stdout.indexOf(`${TAG} cmd ${i}\n`);
    const rcAt = start < 0 ? -1 : stdout.indexOf(`\n${TAG} rc `, start);
    if (start < 0 || rcAt < 0) {
      outputs.push({ stdout: '', code: -1 });
      continue;
    }
    const body = stdout.slice(start + `${TAG} cmd ${i}\n`.length, rcAt);
    const rcLine = stdout.slice(rcAt + 1, stdout.indexOf('\n', rcAt + 1));
    outputs.push({ stdout: body, code: Number(rcLine.split(' ').pop()) });
  }
  const markers = new Map<string, FolderMarkers>();
  for (const d of jobDirs) markers.set(d, { tasks: new Map() });
  const mStart = stdout.indexOf(`${TAG} markers\n`);
  const end = stdout.indexOf(`${TAG} end`);
  if (mStart >= 0) {
    const text = stdout.slice(mStart + `${TAG} markers\n`.length, end < 0 ? undefined : end);
    for (const line of text.split('\n')) {
      const colon = line.lastIndexOf(':');
      if (colon < 0) continue;
      const path = line.slice(0, colon);
      if (path.endsWith(`/${CANCEL_MARKER}`)) {
        const m = markers.get(path.slice(0, -CANCEL_MARKER.length - 1));
        if (m) m.cancelRequested = true;
        continue;
      }
      const code = Number(line.slice(colon + 1).trim());
      if (!Number.isInteger(code)) continue;
      if (path.endsWith('/exit_code')) {
        const m = markers.get(path.slice(0, -'/exit_code'.length));
        if (m) m.exitCode = code;
        continue;
      }
      const at = path.lastIndexOf('/exit_codes/');
      if (at < 0) continue;
      const m = markers.get(path.slice(0, at));
      const index = Number(path.slice(at + '/exit_codes/'.length));
      if (m && Number.isInteger(index)) m.tasks.set(index, code);
    }
  }
  return { outputs, markers, complete: end >= 0, skipped: stdout.includes(`${TAG} skipped\n`) };
}
