/** `clustrix logs ID [--follow]`: a job's stdout and stderr (per item for arrays). */
import type { Command } from 'commander';
import { jobLogs } from '@clustrix/core/jobs';

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("print a job's stdout and stderr")
    .argument('<id>', 'job id (or a unique part of it)')
    .option('-f, --follow', 'keep printing as the job writes, until it ends')
    .option('-i, --item <n>', 'only this array item')
    .option('--stdout', 'only stdout')
    .option('--stderr', 'only stderr')
    .action(async (id: string, opts: { follow?: boolean; item?: string; stdout?: boolean; stderr?: boolean }) => {
      const item = opts.item !== undefined ? Number(opts.item) : undefined;
      if (item !== undefined && (!Number.isInteger(item) || item < 0)) throw new Error(`--item: expected an item index >= 0, got '${opts.item}'`);
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGINT', stop);
      try {
        await jobLogs(id, {
          ...(item !== undefined ? { item } : {}),
          stream: opts.stdout && !opts.stderr ? 'stdout' : opts.stderr && !opts.stdout ? 'stderr' : 'both',
          follow: Boolean(opts.follow),
          write: (t) => process.stdout.write(t),
          signal: ac.signal,
        });
      } finally {
        process.off('SIGINT', stop);
      }
    });
}
