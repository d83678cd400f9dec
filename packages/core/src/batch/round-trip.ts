/**
 * One status round trip: run every status command of a dialect and read the completion markers of
 * every job folder, in ONE remote shell command. Each command's output is framed so it can be split
 * again however it looks; the markers are `path:exit code` lines from one `grep`.
 */
import { argvToShell, quoteWord } from '../transport/shell-quote.js';
import type { CommandOutput } from './dialect.js';

const TAG = '@@clustrix-rt';

export function roundTripScript(commands: readonly string[][], jobDirs: readonly string[]): string {
  const parts: string[] = [];
  commands.forEach((argv, i) => {
    parts.push(`printf '%s\\n' '${TAG} cmd ${i}'`);
    parts.push(`${argvToShell(argv)} 2>&1`);
    parts.push(`printf '\\n%s %s\\n' '${TAG} rc' "$?"`);
  });
  parts.push(`printf '%s\\n' '${TAG} markers'`);
  if (jobDirs.length) {
    const paths = jobDirs.map((d) => `${quoteWord(`${d}/exit_code`)} ${quoteWord(d)}/exit_codes/*`).join(' ');
    parts.push(`grep -sH . ${paths} 2>/dev/null`);
  }
  parts.push(`printf '%s\\n' '${TAG} end'`);
  return parts.join('\n');
}

export interface RoundTripResult {
  outputs: CommandOutput[];
  /** job folder → exit code of the single job, or of each array task by index. */
  markers: Map<string, { exitCode?: number; tasks: Map<number, number> }>;
  /** False when the output was cut short (the end tag is missing). */
  complete: boolean;
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
  const markers = new Map<string, { exitCode?: number; tasks: Map<number, number> }>();
  for (const d of jobDirs) markers.set(d, { tasks: new Map() });
  const mStart = stdout.indexOf(`${TAG} markers\n`);
  const end = stdout.indexOf(`${TAG} end`);
  if (mStart >= 0) {
    const text = stdout.slice(mStart + `${TAG} markers\n`.length, end < 0 ? undefined : end);
    for (const line of text.split('\n')) {
      const colon = line.lastIndexOf(':');
      if (colon < 0) continue;
      const path = line.slice(0, colon);
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
  return { outputs, markers, complete: end >= 0 };
}
