/** `clustrix cancel ID...` or `clustrix cancel --all [--cluster X]`. */
import type { Command } from 'commander';
import { cancelJob, listJobs } from '@clustrix/core/jobs';
import { codeOf } from '../error-report.js';
import { CliExit, stderrLine } from '../format.js';

export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .description('cancel jobs: their current attempt is killed and nothing more is submitted for them')
    .argument('[ids...]', 'job ids (or unique parts of them)')
    .option('-a, --all', 'every active job in the registry')
    .option('-c, --cluster <names>', 'with --all: only these clusters (comma-separated)')
    .action(async (ids: string[], opts: { all?: boolean; cluster?: string }) => {
      if (!ids.length && !opts.all) throw new Error('cancel: give job ids, or --all');
      if (ids.length && opts.all) throw new Error('cancel: give job ids or --all, not both');
      const targets = opts.all
        ? (await listJobs({ state: ['preparing', 'submitting', 'pending', 'running', 'retrying', 'unknown'], ...(opts.cluster ? { cluster: opts.cluster.split(',') } : {}) })).map((r) => r.id)
        : ids;
      let failed = 0;
      for (const id of targets) {
        try {
          const r = await cancelJob(id);
          process.stdout.write(`${r.id}  ${r.state}\n`);
        } catch (err) {
          failed++;
          const code = codeOf(err);
          stderrLine(`${id}: ${(err as Error).message}${code === undefined ? '' : ` (code: ${code})`}`);
        }
      }
      if (opts.all && !targets.length) process.stdout.write('no active jobs\n');
      if (failed) throw new CliExit(1);
    });
}
