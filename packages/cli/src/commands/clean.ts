/** `clustrix clean [--older-than DAYS]`: remove job folders on the clusters untouched for that long. */
import type { Command } from 'commander';
import { cleanJobs } from '@clustrix/core/jobs';
import { CliExit, stderrLine } from '../format.js';

export function registerClean(program: Command): void {
  program
    .command('clean')
    .description('remove folders of ended jobs on the clusters that were not touched for N days (folders of active or unknown running jobs are kept)')
    .option('-d, --older-than <days>', 'age in days (fractions allowed; 0: every folder of a job whose end is proven)', '7')
    .option('-c, --cluster <names>', 'only these clusters (comma-separated)')
    .option('-n, --dry-run', 'list what would be removed, remove nothing')
    .option('--forget', 'also delete the registry records of the removed jobs')
    .action(async (opts: { olderThan: string; cluster?: string; dryRun?: boolean; forget?: boolean }) => {
      const days = Number(opts.olderThan);
      if (!Number.isFinite(days) || days < 0) throw new Error(`--older-than: expected a number of days >= 0, got '${opts.olderThan}'`);
      const reports = await cleanJobs({
        olderThanDays: days,
        ...(opts.cluster ? { clusters: opts.cluster.split(',').map((s) => s.trim()) } : {}),
        ...(opts.dryRun ? { dryRun: true } : {}),
        ...(opts.forget ? { forget: true } : {}),
      });
      let errors = 0;
      for (const r of reports) {
        if (r.error) {
          errors++;
          stderrLine(`${r.cluster}: ${r.error}`);
          continue;
        }
        for (const dir of r.removed) process.stdout.write(`${opts.dryRun ? 'would remove' : 'removed'} ${r.cluster}:${dir}\n`);
        for (const dir of r.keptActive) process.stdout.write(`kept (active) ${r.cluster}:${dir}\n`);
        for (const dir of r.keptUnknown) process.stdout.write(`kept (not in this registry, not proven ended) ${r.cluster}:${dir}\n`);
        process.stdout.write(`${r.cluster}: ${r.removed.length} folder${r.removed.length === 1 ? '' : 's'} ${opts.dryRun ? 'to remove' : 'removed'}\n`);
      }
      if (errors) throw new CliExit(1);
    });
}
