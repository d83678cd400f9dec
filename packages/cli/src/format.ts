/** Text output: aligned tables, ages, states with a little colour on a terminal (NO_COLOR respected). */
import type { RecordState } from '@clustrix/core';
import type { JobRecord } from '@clustrix/core/jobs';

const useColor = (stream: NodeJS.WriteStream = process.stdout) => Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, gray: 90, bold: 1 } as const;
export type Color = keyof typeof CODES;

export function paint(text: string, color: Color, stream?: NodeJS.WriteStream): string {
  return useColor(stream) ? `\u001b[${CODES[color]}m${text}\u001b[0m` : text;
}

/** Visible width (colour codes do not count). */
function width(text: string): number {
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** Rows under a header, each column as wide as its widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c))))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `42s`, `5m`, `3h`, `2d` — how long ago (or how long) from milliseconds. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s}s`;
  if (s < 90 * 60) return `${Math.round(s / 60)}m`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

export function formatAge(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  return `${formatDuration(now - Date.parse(iso))} ago`;
}

/** `2026-11-29 02:30:12` in local time. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const STATE_COLOR: Partial<Record<RecordState, Color>> = {
  completed: 'green',
  running: 'blue',
  pending: 'yellow',
  retrying: 'yellow',
  preparing: 'gray',
  submitting: 'gray',
  unknown: 'gray',
};

export function formatRecordState(state: RecordState): string {
  return paint(state, STATE_COLOR[state] ?? 'red');
}

/** `3/4 ok` for arrays that ended, `4 items` while running; `-` for single calls. */
export function formatItems(r: JobRecord): string {
  if (r.items === undefined) return '-';
  if (r.outcome) return `${r.outcome.succeeded}/${r.items} ok`;
  return `${r.items} items`;
}

export function stderrLine(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Thrown by a command that has printed what it had to say and ends with a non-zero exit code. */
export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
