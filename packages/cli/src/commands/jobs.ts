/** `clustrix jobs`: the registry as a table, newest first, filtered by state and cluster. */
import type { Command } from 'commander';
import type { RecordState } from '@clustrix/core';
import { listJobs } from '@clustrix/core/jobs';
import { formatAge, formatItems, formatRecordState, formatTable, formatTime } from '../format.js';

const STATES: RecordState[] = [
  'preparing', 'submitting', 'pending', 'running', 'retrying', 'completed', 'failed', 'cancelled', 'timeout', 'out_of_memory', 'node_fail', 'preempted', 'lost', 'unknown',
];
const GROUPS: Record<string, RecordState[]> = {
  active: ['preparing', 'submitting', 'pending', 'running', 'retrying', 'unknown'],
  ended: ['completed', 'failed', 'cancelled', 'timeout', 'out_of_memory', 'node_fail', 'preempted', 'lost'],
};

/** `running,failed` or `active` → states; a bad word is an error naming the valid ones. */
export function parseStates(text: string): RecordState[] {
  const out = new Set<RecordState>();
  for (const word of text.split(',').map((w) => w.trim().toLowerCase()).filter(Boolean)) {
    const group = GROUPS[word];
    if (group) group.forEach((s) => out.add(s));
    else if ((STATES as string[]).includes(word)) out.add(word as RecordState);
    else throw new Error(`--state: '${word}' is not a state; use ${[...Object.keys(GROUPS), ...STATES].join(', ')}`);
  }
  return [...out];
}

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

export function registerJobs(program: Command): void {
  program
    .command('jobs')
    .description('list the jobs in the registry, newest first')
    .option('-s, --state <states>', 'only these states (comma-separated; also: active, ended)')
    .option('-c, --cluster <names>', 'only these clusters (comma-separated)')
    .option('-n, --limit <n>', 'at most this many (0 for all)', '50')
    .option('--no-refresh', 'do not ask the schedulers about active jobs (faster; states may be stale)')
    .option('--json', 'one JSON record per line')
    .action(async (opts: { state?: string; cluster?: string; limit: string; refresh: boolean; json?: boolean }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 0) throw new Error(`--limit: expected a whole number >= 0, got '${opts.limit}'`);
      const records = await listJobs({
        ...(opts.state ? { state: parseStates(opts.state) } : {}),
        ...(opts.cluster ? { cluster: list(opts.cluster) } : {}),
        ...(limit ? { limit } : {}),
        refresh: opts.refresh,
      });
      if (opts.json) {
        for (const r of records) process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      if (!records.length) {
        process.stdout.write('no jobs\n');
        return;
      }
      const rows = records.map((r) => [
        r.id,
        r.cluster,
        `${r.target.className}.${r.target.method}`,
        formatRecordState(r.state),
        formatItems(r),
        String(r.attempts.length),
        r.attempts[r.attempts.length - 1]?.ref?.schedulerJobId ?? '-',
        formatTime(r.submittedAt ?? r.createdAt),
        r.endedAt ? formatAge(r.endedAt) : '-',
      ]);
      process.stdout.write(`${formatTable(['ID', 'CLUSTER', 'METHOD', 'STATE', 'ITEMS', 'TRIES', 'SCHED ID', 'SUBMITTED', 'ENDED'], rows)}\n`);
    });
}
