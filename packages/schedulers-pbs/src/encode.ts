/**
 * Values for `#PBS` lines, encoded for the parser of each flavour:
 * - `pbspro` (PBS Professional / OpenPBS qsub, src/cmds/qsub.c `make_argv`): arguments split on
 *   unquoted whitespace; `'` or `"` quotes a run up to the same quote, with NO escape inside;
 *   outside quotes `\` takes the next character literally; `#` means nothing; a line ending in `\`
 *   is continued on the next. POSIX single quoting (`'it'\''s'`) reads back exactly and never ends
 *   in `\` (plain values, e.g. `gpu`, `walltime=01:00:00`, are written bare).
 * - `torque`: Torque's qsub reads `#PBS` lines with the same make_argv, but SLURM's Torque wrappers
 *   hand the script to sbatch, whose tokenizer (src/sbatch/opt.c `get_argument`) treats `\` as an
 *   escape INSIDE quotes too and an unquoted `#` as a comment, and blanks an argument that starts
 *   with `hetjob`/`packjob`. Written without quotes, with every character
 *   preceded by `\` when either grammar gives it a meaning (quotes, `\`, `#`, anything not plain
 *   ASCII, and a leading `:`/`hetjob`/`packjob`) and each space written `" "` (sbatch checks for
 *   whitespace BEFORE it applies an escape, so `\ ` ends the argument), a value reads back exactly
 *   under both.
 * Before that, core's gate refuses control characters; an empty value is refused (both parsers read
 * it as no argument, and the option would take the next one). `-q` and `-A` are validated.
 */
import { checkPrintable, quoteWord, refuseChars, refuseValue } from '@clustrix/core/scheduler';
import type { PbsFlavour } from './flavour.js';

const SCOPE = 'pbs';

/** A `#PBS -X VALUE` value for `flavour`'s parser: read back as exactly `value`, or a BadValueError. */
export function encodePbsValue(flavour: PbsFlavour, key: string, value: string): string {
  checkPrintable(key, value, SCOPE);
  if (value === '') refuseValue(SCOPE, key, value, 'is empty', 'qsub reads an empty directive value as no value; leave the key out instead');
  if (flavour === 'pbspro') return [...value].every((c) => PLAIN.test(c)) ? value : quoteWord(value);
  return [...value].map((c, i) => (c === ' ' ? '" "' : PLAIN.test(c) && !(i === 0 && LEADING.test(value)) ? c : `\\${c}`)).join('');
}

/** Characters neither grammar treats specially anywhere in an argument. */
const PLAIN = /^[A-Za-z0-9_.\/=:@+,^%~-]$/;
/** What sbatch's tokenizer treats specially at the start of an argument: `:` (fatal), `hetjob`/`packjob` (blanked). */
const LEADING = /^(?::|hetjob|packjob)/i;

/** `queue`: a PBS destination, `queue` or `queue@server` (letters, digits, _ . -), checked before anything is written. */
export function checkedQueue(queue: string): string {
  checkPrintable('queue', queue, SCOPE);
  refuseChars(SCOPE, 'queue', queue, /[^A-Za-z0-9_.@-]/, 'a PBS queue is `name` or `name@server` made of letters, digits, _ . -');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*(?:@[A-Za-z0-9][A-Za-z0-9_.-]*)?$/.test(queue)) {
    refuseValue(SCOPE, 'queue', queue, 'is not a PBS destination', 'expected `name` or `name@server`, starting with a letter or digit');
  }
  return queue;
}

/**
 * `account`: printable ASCII without whitespace or `,` (PBS stores it as Account_Name; OpenPBS's
 * qsub drops commas from it, seen by directive-fuzz.cluster.test.ts: `a,` came back as `a`).
 */
export function checkedAccount(account: string): string {
  checkPrintable('account', account, SCOPE);
  return refuseChars(SCOPE, 'account', account, /[^\x21-\x7e]|,/, 'a PBS account string is printable ASCII without spaces or commas');
}

/** OpenPBS qsub's `make_argv` as a model, for tests (checked against the real qsub in directive-fuzz.cluster.test.ts when OpenPBS runs). */
export function openpbsArguments(line: string): string[] {
  const args: string[] = [];
  let i = 0;
  const space = (c: string | undefined) => c !== undefined && /[ \t\n\v\f\r]/.test(c);
  while (space(line[i])) i++;
  let arg = '';
  let started = i < line.length;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '"' || c === "'") {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`qsub: unmatched ${c}`);
      arg += line.slice(i + 1, end);
      i = end + 1;
    } else if (c === '\\') {
      arg += line[i + 1] ?? '';
      i += 2;
    } else if (space(c)) {
      args.push(arg);
      arg = '';
      while (space(line[i])) i++;
      started = i < line.length;
    } else {
      arg += c;
      i++;
    }
  }
  if (started) args.push(arg);
  return args;
}
