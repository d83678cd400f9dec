#!/usr/bin/env node
/** `clustrix`: jobs, status, logs, result, cancel, clean, config, doctor. See docs/cli.md. */
import { main } from './main.js';

// `clustrix jobs | head`: a closed pipe ends the output quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
process.exitCode = await main(process.argv);
