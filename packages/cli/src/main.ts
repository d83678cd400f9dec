/**
 * The `clustrix` program (commander). Global options come before or after the command:
 *   --registry <dir>   the job registry to use (default: `registryDir` from the configuration)
 *   --cwd <dir>        where to look for the project configuration (default: the working directory)
 *   -v, --verbose      debug logs (clustrix:*) and stacks of errors
 */
import { Command, CommanderError } from 'commander';
import { configure, enableDebugLogs, shutdown } from '@clustrix/core';
import { registerCancel } from './commands/cancel.js';
import { registerClean } from './commands/clean.js';
import { registerConfig } from './commands/config.js';
import { registerDoctor } from './commands/doctor.js';
import { registerJobs } from './commands/jobs.js';
import { registerLogs } from './commands/logs.js';
import { registerResult } from './commands/result.js';
import { registerStatus } from './commands/status.js';
import { describeCommandError } from './error-report.js';
import { CliExit, stderrLine } from './format.js';

export interface GlobalOptions {
  registry?: string;
  cwd?: string;
  verbose?: boolean;
}

/** Apply the global options before a command runs. */
export async function setup(program: Command): Promise<GlobalOptions> {
  const g = program.opts<GlobalOptions>();
  if (g.verbose) enableDebugLogs();
  const cwd = g.cwd ?? process.cwd();
  configure(g.registry ? { registryDir: g.registry } : undefined, { cwd });
  return g;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('clustrix')
    .description('Jobs that Clustrix submitted from this machine: list them, follow them, get their results, cancel them; check a cluster.')
    .option('--registry <dir>', 'the job registry to use (default: registryDir from the configuration, else ~/.clustrix/registry)')
    .option('--cwd <dir>', 'look for the project configuration from this folder')
    .option('-v, --verbose', 'show debug logs (clustrix:*) and error stacks')
    .showHelpAfterError('(run clustrix --help for usage)')
    .enablePositionalOptions(false);
  registerJobs(program);
  registerStatus(program);
  registerLogs(program);
  registerResult(program);
  registerCancel(program);
  registerClean(program);
  registerConfig(program);
  registerDoctor(program);
  return program;
}

/** Run the program on `argv` (node, script, ...args); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  let code = 0;
  program.hook('preAction', async () => {
    await setup(program);
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CliExit) code = err.code;
    else if (err instanceof CommanderError) code = err.exitCode;
    else {
      const verbose = program.opts<GlobalOptions>().verbose;
      stderrLine(describeCommandError(err, Boolean(verbose)));
      code = 1;
    }
  } finally {
    await shutdown().catch(() => undefined);
  }
  return code;
}
