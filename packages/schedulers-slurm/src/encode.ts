/**
 * Values for `#SBATCH` lines, encoded for sbatch's own directive tokenizer (src/sbatch/opt.c
 * `get_argument`, 22.05), which is NOT a shell:
 * - a line holds several arguments, split on unquoted whitespace (isspace: space, \t, \v, \f, \r);
 * - `'` or `"` starts a quoted run that only the same quote ends (whitespace and `#` kept);
 * - `\` escapes the next character EVERYWHERE, inside quotes too (so POSIX `'\''` breaks);
 * - an unescaped, unquoted `#` ends the line (a comment);
 * - a line break always ends the line (and bash then reads the rest as a command);
 * - an argument that is empty after decoding ends the line (`""` is read as nothing).
 * So a value becomes `"` + value with every `\` and `"` preceded by `\` + `"`: one argument,
 * decoded back to exactly the value (plain values, e.g. `4`, `debug`, `/home/u/x`, are written
 * bare). Control characters are refused by core's gate; an empty value is refused here. Output file names also go through SLURM's `%` patterns (`literalPattern`).
 */
import { checkPrintable, refuseValue } from '@clustrix/core/scheduler';

const SCOPE = 'slurm';

/** One `#SBATCH --flag=VALUE` value, encoded so sbatch reads back exactly `value` (or a BadValueError). */
export function encodeSbatchValue(key: string, value: string): string {
  checkPrintable(key, value, SCOPE);
  if (value === '') refuseValue(SCOPE, key, value, 'is empty', 'sbatch reads an empty directive value as no value at all; leave the key out instead');
  if (PLAIN.test(value)) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Values sbatch's tokenizer reads as they are after `--flag=` (no space, quote, backslash or `#`): written bare. */
const PLAIN = /^[A-Za-z0-9_.\/:=@,+%^~-]+$/;

/** SLURM expands %j, %a, %x... in --output/--error names: a literal `%` is written `%%`. */
export function literalPattern(path: string): string {
  return path.replace(/%/g, '%%');
}

/**
 * sbatch's tokenizer as a model, for tests: the arguments it reads from what follows `#SBATCH` on
 * one line (mirrors get_argument; checked against the real sbatch in directive-fuzz.cluster.test.ts).
 */
export function sbatchArguments(line: string): string[] {
  const args: string[] = [];
  const space = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
  let i = 0;
  for (;;) {
    while (i < line.length && space(line[i]!)) i++;
    if (i >= line.length) return args;
    if (line[i] === ':') throw new Error(`sbatch: Unexpected \`:\` in [${line}]`);
    let arg = '';
    let quote = '';
    let escaped = false;
    for (; i < line.length && (quote || !space(line[i]!)) && line[i] !== '\n'; i++) {
      const c = line[i]!;
      if (escaped) escaped = false;
      else if (c === '\\') { escaped = true; continue; }
      else if (quote) { if (c === quote) { quote = ''; continue; } }
      else if (c === '"' || c === "'") { quote = c; continue; }
      else if (c === '#') { i = line.length; break; }
      arg += c;
    }
    if (quote) throw new Error(`sbatch: Unmatched \`${quote}\` in [${line}]`);
    if (arg === '') return args;
    args.push(arg);
  }
}
