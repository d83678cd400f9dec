/**
 * Pieces every batch job script shares: sorted, encoded directives and the body that loads modules,
 * runs the setup lines, starts the runner and records its exit code in the job folder (the
 * completion marker). Directive values are encoded by the scheduler's own encoder (each directive
 * parser has its own grammar: see each scheduler package's encode.ts); body words are single-quoted for
 * bash. Every value first passes core's control-character gate (checkJobSpec, resources/gate.ts).
 */
import { checkPrintable } from '../resources/gate.js';
import { quoteWord } from '../transport/shell-quote.js';
import { argvToShell } from '../transport/shell-quote.js';
import type { BatchJobSpec } from './dialect.js';

/** Encodes one directive value for its parser (`flag` says which option it is), or throws a BadValueError. */
export type DirectiveEncoder = (flag: string, value: string) => string;

/** `[flag, value?]` pairs → directive lines, sorted by flag, every value encoded (POSIX single quotes unless told). */
export function renderDirectives(
  prefix: string,
  pairs: ReadonlyArray<readonly [string, string | undefined]>,
  separator: '=' | ' ',
  encode: DirectiveEncoder = (_flag, value) => quoteWord(value),
): string[] {
  return [...pairs]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([flag, value]) => (value === undefined ? `${prefix} ${flag}` : `${prefix} ${flag}${separator}${encode(flag, value)}`));
}

/**
 * The gate for everything of a job spec that reaches the script or a command line: the label
 * (`Class.method`), the job folder (from `remoteRoot`), the runner's argv and every resource string.
 * Throws a BadValueError (code BAD_VALUE) naming the key; renderBody calls it, so every dialect does.
 */
export function checkJobSpec(spec: BatchJobSpec, scope = 'core'): void {
  if (spec.label !== undefined) checkPrintable('label (Class.method)', spec.label, scope);
  checkPrintable('remoteRoot (job folder)', spec.jobDir, scope);
  spec.command.forEach((w, i) => checkPrintable(`command[${i}]`, w, scope));
  const r = spec.resources;
  for (const k of ['account', 'qos', 'constraint', 'jobName', 'queue'] as const) if (r[k] !== undefined) checkPrintable(k, r[k], scope);
  r.directives.forEach((d, i) => checkPrintable(`directives[${i}]`, d, scope));
  r.modules.forEach((m, i) => checkPrintable(`modules[${i}]`, m, scope));
  r.setup.forEach((l, i) => checkPrintable(`setup[${i}]`, l, scope, { allowTab: true }));
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
  checkJobSpec(spec);
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
