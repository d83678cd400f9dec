/**
 * Values for `#$` lines, encoded for Grid Engine's directive parser, which is not a shell: a quote
 * of either kind toggles quoting and is dropped, there is no escape character, and `#` ends the
 * line even inside quotes. So a free-form value is single-quoted (that keeps spaces) and a value
 * holding `'`, `"` or `#` is refused, as is every control character (core's gate), with a
 * BadValueError (code BAD_VALUE) naming the key and the character, before anything is submitted.
 * Generated values (numbers, validated names) are written bare: SGE does not accept `-pe 'smp' 4`.
 */
import { checkPrintable, quoteWord, refuseChars, refuseValue } from '@clustrix/core/scheduler';

const SCOPE = 'sge';

/** A free-form value for a `#$` line, single-quoted. */
export function encodeSgeValue(key: string, value: string): string {
  checkPrintable(key, value, SCOPE);
  if (value === '') refuseValue(SCOPE, key, value, 'is empty', 'leave the key out instead');
  refuseChars(SCOPE, key, value, /['"#]/, "SGE's #$ parser has no escape: a value cannot carry a quote (' \") or a #");
  return quoteWord(value);
}

/**
 * A queue or an account string: qmaster refuses whitespace and `:` in them ("Colon (':') not allowed
 * in objectname"), and qsub reads `-q a,b` as a list of two queues (seen by directive-fuzz).
 */
export function encodeSgeWord(key: 'queue' | 'account', value: string): string {
  checkPrintable(key, value, SCOPE);
  refuseChars(SCOPE, key, value, /\s/, 'SGE refuses whitespace in it');
  refuseChars(SCOPE, key, value, key === 'queue' ? /[:,]/ : /:/, key === 'queue' ? 'SGE reads `,` as a list of queues and refuses `:` in names' : 'SGE refuses `:` in object names');
  return encodeSgeValue(key, value);
}

/**
 * A path for -wd/-o/-e: also no `$` (SGE expands $JOB_ID, $TASK_ID...), no `:` (it would read
 * `host:path`) and no `,` (-o/-e take a list of paths: `/a,b` came back as `/a`, seen by directive-fuzz).
 */
export function encodeSgePath(value: string): string {
  checkPrintable('remoteRoot', value, SCOPE);
  refuseChars(SCOPE, 'remoteRoot', value, /[$:,]/, 'SGE reads `$` in -o/-e/-wd paths as its own variables, `:` as `host:path` and `,` as a list of paths; choose a remoteRoot without them');
  return encodeSgeValue('remoteRoot', value);
}

/** A `jobName` as given: SGE's rules checked here, so the error is ours and clear (not qmaster's "Error reading answer list"). */
export function checkedSgeJobName(name: string): string {
  checkPrintable('jobName', name, SCOPE);
  const allowed = 'SGE job names are printable ASCII without spaces or / : @ \\ * ? \' " # and do not start with a digit';
  refuseChars(SCOPE, 'jobName', name, /[\s/:@\\*?'"#]|[^\x21-\x7e]/, allowed);
  if (/^\d/.test(name)) refuseValue(SCOPE, 'jobName', name, 'starts with a digit', allowed);
  return name;
}

/**
 * Grid Engine's `#$` tokenizer as a model, for tests (checked against the real `qsub -verify` in
 * directive-fuzz.cluster.test.ts): quotes toggle and are dropped, no escape, `#` ends the line.
 */
export function sgeArguments(line: string): string[] {
  const args: string[] = [];
  let arg: string | undefined;
  let quoted = false;
  for (const c of line) {
    if (c === '#') break;
    if (c === '"' || c === "'") { quoted = !quoted; arg ??= ''; continue; }
    if (!quoted && /\s/.test(c)) { if (arg !== undefined) args.push(arg); arg = undefined; continue; }
    arg = (arg ?? '') + c;
  }
  if (arg !== undefined) args.push(arg);
  return args;
}
