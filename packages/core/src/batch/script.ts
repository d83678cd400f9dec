/**
 * Pieces every batch job script shares: sorted, quoted directives and the body that loads modules,
 * runs the setup lines, starts the runner and records its exit code in the job folder (the
 * completion marker). Values are quoted with the same single-quote rule as every shell word;
 * SLURM, PBS and SGE read `#SBATCH`/`#PBS`/`#$` values the same way.
 */
import { quoteWord } from '../transport/shell-quote.js';
import { argvToShell } from '../transport/shell-quote.js';
import type { BatchJobSpec } from './dialect.js';

/** `[flag, value?]` pairs → directive lines, sorted by flag, every value quoted. */
export function renderDirectives(prefix: string, pairs: ReadonlyArray<readonly [string, string | undefined]>, separator: '=' | ' '): string[] {
  return [...pairs]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([flag, value]) => (value === undefined ? `${prefix} ${flag}` : `${prefix} ${flag}${separator}${quoteWord(value)}`));
}

export interface BodyOptions {
  /** Expression (shell) for the 0-based task index, e.g. `$SLURM_ARRAY_TASK_ID` or `$((SGE_TASK_ID - 1))`. */
  indexExpr?: string;
  /** Redirect the runner's stdout/stderr to the job folder from the script (when the scheduler cannot name per-task files with a 0-based index). */
  redirect?: boolean;
  /**
   * Pass this signal (e.g. `USR1`), when the script receives it, on to the runner: the runner then
   * runs in the background and the script waits for it (a shell waiting for a foreground command
   * would die of the signal, or handle it only after the command ended).
   */
  forwardSignal?: string;
}

/** The script body after the directives. */
export function renderBody(spec: BatchJobSpec, options: BodyOptions = {}): string[] {
  const dir = quoteWord(spec.jobDir);
  const lines: string[] = [`# clustrix job ${spec.jobId}`];
  for (const m of spec.resources.modules) lines.push(`module load ${quoteWord(m)}`);
  if (spec.resources.setup.length) {
    lines.push('# setup (as configured)');
    lines.push(...spec.resources.setup);
  }
  lines.push(`cd ${dir} || exit 1`);
  const isArray = spec.count !== undefined;
  if (isArray) {
    if (!options.indexExpr) throw new Error('renderBody: an array job needs indexExpr');
    lines.push(`i=${options.indexExpr}`);
    if (options.redirect) lines.push(`exec >${dir}/logs/"$i".out 2>${dir}/logs/"$i".err`);
  } else if (options.redirect) {
    lines.push(`exec >${dir}/stdout 2>${dir}/stderr`);
  }
  if (options.forwardSignal) {
    if (!/^[A-Z0-9]+$/.test(options.forwardSignal)) throw new Error(`renderBody: bad signal name ${options.forwardSignal}`);
    lines.push(`${argvToShell(spec.command)} &`);
    lines.push('pid=$!');
    lines.push(`trap 'kill -${options.forwardSignal} "$pid" 2>/dev/null' ${options.forwardSignal}`);
    lines.push('while kill -0 "$pid" 2>/dev/null; do wait "$pid"; done');
    lines.push('wait "$pid"');
  } else lines.push(argvToShell(spec.command));
  lines.push('code=$?');
  lines.push(isArray ? `printf '%s\\n' "$code" >${dir}/exit_codes/"$i"` : `printf '%s\\n' "$code" >${dir}/exit_code`);
  lines.push('exit "$code"');
  return lines;
}

/** A whole script: shebang, directives, body. */
export function renderScript(directives: string[], body: string[]): string {
  return ['#!/bin/bash', ...directives, ...body, ''].join('\n');
}
