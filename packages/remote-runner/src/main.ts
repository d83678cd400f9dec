#!/usr/bin/env node
/**
 * clustrix-runner <jobDir> [index]
 *
 * Runs one job (or one array item) from a Clustrix job folder: imports the bundle, rebuilds the
 * instance, runs the method, writes result.json or error.json atomically, and exits with
 * 0 (result), 1 (the method threw) or 70 (the job could not be set up).
 */
import { runJob } from './run-job.js';

const [jobDir, index] = process.argv.slice(2);
if (!jobDir || jobDir === '--help' || jobDir === '-h') {
  process.stderr.write('usage: clustrix-runner <jobDir> [index]\n');
  process.exit(jobDir ? 0 : 64);
}
// Map remote stack traces to the user's sources (the bundle carries a source map).
process.setSourceMapsEnabled?.(true);
const code = await runJob(jobDir, index);
process.exit(code);
