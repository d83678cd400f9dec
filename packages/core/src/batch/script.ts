/**
 * Pieces every batch job script shares: sorted, encoded directives and the body that loads modules,
 * runs the setup lines, starts the runner and records its exit code in the job folder (the
 * completion marker). Directive values are encoded by the scheduler's own encoder (each directive
 * parser has its own grammar: see each scheduler package's encode.ts); body words are single-quoted for
 * bash. Every value first passes core's control-character gate (checkJobSpec, resources/gate.ts).
 */
import { jobFiles } from '@clustrix/wire';
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
   * would die of the signal, or handle it only after the command ended). See forwardingTrap.
   */
  forwardSignal?: string;
}

/** A marker file of the job (or of task `$i` of an array job) in the job folder, as a shell word. */
function markerPath(dir: string, name: string, isArray: boolean): string {
  return isArray ? `${dir}/${name}."$i"` : `${dir}/${name}`;
}

/**
 * The trap, installed before anything else runs: a scheduler may send its checkpoint signal at any moment,
 * even in the job's first second (SLURM sends `--signal` up to 30 s early). The trap notes the request
 * (checkpoint_asked) and signals the runner only once it handles the signal (runner_listening): Node signalled
 * earlier opens its inspector or dies. The runner takes a note left before it listened (remote-runner's
 * listenForCheckpointAsk), so a request is never lost.
 */
function forwardingTrap(signal: string, dir: string, isArray: boolean): string[] {
  if (!/^[A-Z0-9]+$/.test(signal)) throw new Error(`renderBody: bad signal name ${signal}`);
  const asked = markerPath(dir, jobFiles.checkpointAsked(), isArray);
  const listening = markerPath(dir, jobFiles.runnerListening(), isArray);
  return [
    'asked= pid=',
    `forward() { : >${asked}; [ -n "$pid" ] && [ -e ${listening} ] && kill -${signal} "$pid" 2>/dev/null; }`,
    `trap 'asked=1; forward' ${signal}`,
  ];
}

/** The script body after the directives. */
export function renderBody(spec: BatchJobSpec, options: BodyOptions = {}): string[] {
  checkJobSpec(spec);
  const dir = quoteWord(spec.jobDir);
  const isArray = spec.count !== undefined;
  if (isArray && !options.indexExpr) throw new Error('renderBody: an array job needs indexExpr');
  const lines: string[] = [`# clustrix job ${spec.jobId}`];
  if (isArray) lines.push(`i=${options.indexExpr}`);
  const signal = options.forwardSignal;
  if (signal) lines.push(...forwardingTrap(signal, dir, isArray));
  for (const m of spec.resources.modules) lines.push(`module load ${quoteWord(m)}`);
  if (spec.resources.setup.length) {
    lines.push('# setup (as configured)');
    lines.push(...spec.resources.setup);
  }
  lines.push(`cd ${dir} || exit 1`);
  if (options.redirect) lines.push(isArray ? `exec >${dir}/logs/"$i".out 2>${dir}/logs/"$i".err` : `exec >${dir}/stdout 2>${dir}/stderr`);
  if (signal) {
    // a requeued job reuses its folder: the last run's markers must not count
    const markers = [jobFiles.checkpointAsked(), jobFiles.runnerListening()].map((m) => markerPath(dir, m, isArray));
    lines.push(`rm -f ${markers.join(' ')}`);
    lines.push(`${argvToShell(spec.command)} &`);
    lines.push('pid=$!');
    lines.push('[ -z "$asked" ] || forward');
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
