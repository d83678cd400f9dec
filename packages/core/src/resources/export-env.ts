/**
 * The variables a job gets in its job file: those named in `exportEnv`, read from the submitting
 * process, then `env` (which wins for a name in both). Nothing else of the submitter's environment
 * travels (batch jobs are submitted with `--export=NONE` / without `-V`), and the values never
 * reach the job script: they go in job.json, which the runner reads.
 */
import type { JobOptions } from '../options.js';

export function jobEnv(options: Pick<JobOptions, 'env' | 'exportEnv'>, from: NodeJS.ProcessEnv = process.env): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const name of options.exportEnv ?? []) {
    const value = from[name];
    if (value !== undefined) out[name] = value;
  }
  Object.assign(out, options.env ?? {});
  return Object.keys(out).length ? out : undefined;
}
