/** `clustrix status ID`: the record, its attempts, and what the scheduler says now. */
import type { Command } from 'commander';
import type { JobStatus } from '@clustrix/core';
import { jobStatus, summarizeUsage } from '@clustrix/core/jobs';
import { formatAge, formatRecordState, formatTable, formatTime } from '../format.js';
import { usageLines } from './status-usage.js';

function taskSummary(status: JobStatus): string | undefined {
  if (!status.tasks) return undefined;
  const counts = new Map<string, number>();
  for (const t of status.tasks.values()) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("a job's record and its scheduler's view of it now")
    .argument('<id>', 'job id (or a unique part of it)')
    .option('--json', 'the record and status as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const { record: r, status } = await jobStatus(id);
      const usage = summarizeUsage(r);
      if (opts.json) {
        const tasks = status?.tasks ? Object.fromEntries(status.tasks) : undefined;
        process.stdout.write(`${JSON.stringify({ record: r, status: status ? { ...status, tasks } : undefined, usage }, null, 2)}\n`);
        return;
      }
      const lines: Array<[string, string]> = [
        ['job', r.id],
        ['method', `${r.target.className}.${r.target.method}${r.items !== undefined ? ` x ${r.items} items` : ''}`],
        ['cluster', `${r.cluster} (${r.scheduler})`],
        ['state', `${formatRecordState(r.state)}${r.schedulerState ? ` (${r.schedulerState})` : ''}${r.reason ? ` — ${r.reason}` : ''}`],
        ['submitted', `${formatTime(r.submittedAt ?? r.createdAt)} by pid ${r.owner.pid} on ${r.owner.host}`],
      ];
      if (r.endedAt) lines.push(['ended', `${formatTime(r.endedAt)} (${formatAge(r.endedAt)})`]);
      if (r.outcome) lines.push(['outcome', `${r.outcome.succeeded} succeeded, ${r.outcome.failed} failed${r.outcome.error ? ` — ${r.outcome.error.name}: ${r.outcome.error.message}` : ''}`]);
      if (usage) lines.push(...usageLines(usage));
      if (r.key) lines.push(['key', r.key]);
      if (r.requeues) lines.push(['requeued', `${r.requeues.count} time${r.requeues.count > 1 ? 's' : ''} by the scheduler (node failure or preemption), last ${formatTime(r.requeues.lastAt)}${r.requeues.reason ? ` — ${r.requeues.reason}` : ''}`]);
      if (r.pending) lines.push(['next', `${r.pending.reason} (not before ${formatTime(r.pending.notBefore)})`]);
      if (status) lines.push(['now', `${status.state}${status.schedulerState ? ` (${status.schedulerState})` : ''}${status.reason ? ` — ${status.reason}` : ''}`]);
      const tasks = status && taskSummary(status);
      if (tasks) lines.push(['tasks', tasks]);
      if (r.removedAt) lines.push(['removed', `job folders removed ${formatAge(r.removedAt)}`]);
      const w = Math.max(...lines.map(([k]) => k.length));
      process.stdout.write(lines.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n');
      if (r.attempts.length) {
        const rows = r.attempts.map((a) => [
          String(a.n),
          a.ref?.schedulerJobId ?? '-',
          a.indices ? (a.indices.length > 8 ? `${a.indices.slice(0, 8).join(',')},...` : a.indices.join(',')) : 'all',
          a.retried?.length ? 'retry' : a.resumed?.length ? 'resume' : 'first',
          a.state ? `${a.state}${a.schedulerState ? ` (${a.schedulerState})` : ''}` : 'active',
          a.jobDir,
        ]);
        process.stdout.write(`\n${formatTable(['TRY', 'SCHED ID', 'ITEMS', 'WHY', 'STATE', 'FOLDER'], rows)}\n`);
      }
    });
}
