/**
 * How the CLI shows errors. `clustrix result` shows a job's error with what users check first — the class and its
 * `code` (docs/errors.md), the message, which job and scheduler job, the scheduler's state, the exit code — and with
 * --verbose the remote stack. Any other command's failure is its message (the stack with --verbose) and a `code:` line.
 */
import { isClustrixError } from '@clustrix/core';

/** The error's machine-readable code (every Clustrix error has one; Node's system errors too), if any. */
export function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}

export function describeJobError(err: unknown, verbose: boolean): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & Record<string, unknown>;
  const code = codeOf(e);
  const lines = [`${e.name}${code === undefined ? '' : ` [${code}]`}: ${e.message}`];
  const fields: Array<[string, unknown]> = [
    ['job', e.jobId],
    ['item', e.index],
    ['scheduler job', e.schedulerJobId],
    ['scheduler state', e.schedulerState],
    ['exit code', e.exitCode],
    ['remote code', e.remoteCode],
  ];
  for (const [label, value] of fields) if (value !== undefined && value !== null && value !== '') lines.push(`  ${label.padEnd(16)}${String(value)}`);
  if (verbose) {
    const stack = typeof e.remoteStack === 'string' ? e.remoteStack : e.stack;
    if (stack) lines.push(`  ${typeof e.remoteStack === 'string' ? 'remote stack' : 'stack'}:`, ...stack.split('\n').map((l) => `    ${l}`));
  }
  return lines.join('\n');
}

/** A command's failure: a Clustrix error's message (any other error's stack, or every stack with --verbose), then its code. */
export function describeCommandError(err: unknown, verbose: boolean): string {
  const text = isClustrixError(err) && !verbose ? err.message : ((err as Error)?.stack ?? String(err));
  const code = codeOf(err);
  return code === undefined ? text : `${text}\n  code: ${code}`;
}
