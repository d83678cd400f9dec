/**
 * How `clustrix result` shows a job's error: what users check first — the class (and `code` when it has one), the
 * message, which job and scheduler job, the scheduler's state, the exit code — and with --verbose the remote stack.
 */
export function describeJobError(err: unknown, verbose: boolean): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & Record<string, unknown>;
  const code = typeof e.code === 'string' || typeof e.code === 'number' ? ` [${String(e.code)}]` : '';
  const lines = [`${e.name}${code}: ${e.message}`];
  const fields: Array<[string, unknown]> = [
    ['job', e.jobId],
    ['item', e.index],
    ['scheduler job', e.schedulerJobId],
    ['scheduler state', e.schedulerState],
    ['exit code', e.exitCode],
  ];
  for (const [label, value] of fields) if (value !== undefined && value !== null && value !== '') lines.push(`  ${label.padEnd(16)}${String(value)}`);
  if (verbose) {
    const stack = typeof e.remoteStack === 'string' ? e.remoteStack : e.stack;
    if (stack) lines.push(`  ${typeof e.remoteStack === 'string' ? 'remote stack' : 'stack'}:`, ...stack.split('\n').map((l) => `    ${l}`));
  }
  return lines.join('\n');
}
