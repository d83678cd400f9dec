/**
 * `clustrix result ID`: wait for a job (attaching to it: retries and resumes go on from here if its
 * process is gone) and print its result as JSON — an array of results for an array job. A failed job
 * prints its error on stderr — class, code, job, scheduler state, exit code; with -v the remote stack — and exits 1.
 */
import type { Command } from 'commander';
import { BatchError, attach } from '@clustrix/core';
import { describeJobError } from '../error-report.js';
import { CliExit, stderrLine } from '../format.js';

export function registerResult(program: Command): void {
  program
    .command('result')
    .description("wait for a job and print its result as JSON (it keeps its retries going if its process is gone)")
    .argument('<id>', 'job id (or a unique part of it)')
    .option('--compact', 'JSON on one line')
    .action(async (id: string, opts: { compact?: boolean }) => {
      try {
        const value = await attach(id, { raw: true });
        process.stdout.write(`${JSON.stringify(value ?? null, null, opts.compact ? undefined : 2)}\n`);
      } catch (err) {
        if (err instanceof BatchError) {
          const values = err.results.map((r) => (r.status === 'fulfilled' ? r.value : { error: { name: (r.reason as Error)?.name, message: (r.reason as Error)?.message } }));
          process.stdout.write(`${JSON.stringify(values, null, opts.compact ? undefined : 2)}\n`);
        }
        const verbose = Boolean(program.opts<{ verbose?: boolean }>().verbose);
        stderrLine(describeJobError(err, verbose));
        throw new CliExit(1);
      }
    });
}
