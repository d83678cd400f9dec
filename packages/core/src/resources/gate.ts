/**
 * The one control-character gate. Every value that reaches a job script, a scheduler directive or
 * a command line (labels, paths, names, queue/account/..., env keys, modules, directives) passes
 * through `checkPrintable` first: CR, LF, NUL, VT, FF, U+0085, U+2028, U+2029 and every other
 * Unicode Cc/Zl/Zp character is refused with a BadValueError (code BAD_VALUE) naming the key, the
 * character and its position. A line break in a directive ends the directive and starts a shell
 * line; no parser downstream can be trusted to agree on any of the others. Env VALUES never reach
 * a script (they travel in job.json) and are not gated here.
 */
import { BadValueError } from '../errors.js';

/** Every Unicode control (Cc: U+0000-001F, U+007F-009F), line separator (Zl) and paragraph separator (Zp). */
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}]/u;
const CONTROL_OR_TAB_ALLOWED = /(?!\t)[\p{Cc}\p{Zl}\p{Zp}]/u;

const NAMES: Record<number, string> = {
  0x00: 'NUL', 0x09: 'TAB', 0x0a: 'LF (newline)', 0x0b: 'VT', 0x0c: 'FF', 0x0d: 'CR', 0x1b: 'ESC', 0x7f: 'DEL',
  0x85: 'NEL', 0x2028: 'LINE SEPARATOR', 0x2029: 'PARAGRAPH SEPARATOR',
};

/** `U+000A (LF (newline))`, `U+0027 (')`. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES[cp] ?? (CONTROL.test(ch) ? 'control character' : ch);
  return `${hex} (${name})`;
}

/** The value as shown in a message: JSON-escaped, long values cut. */
export function showValue(value: string): string {
  const cut = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(cut).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Throws BadValueError: `key` cannot hold `ch` (at `at`) where it goes; `allowed` says what it may hold.
 * Shared by the gate and by every scheduler's directive encoder, so all refusals read alike.
 */
export function refuseValue(scope: string, key: string, value: string, problem: string, allowed: string): never {
  throw new BadValueError(`\`${key}\` ${showValue(value)} ${problem}; ${allowed}`, { scope, keyPath: key });
}

/** Refuses the first character of `pattern` found in `value`, naming it; returns the value. */
export function refuseChars(scope: string, key: string, value: string, pattern: RegExp, allowed: string): string {
  const m = pattern.exec(value);
  if (m) refuseValue(scope, key, value, `cannot contain ${describeChar(m[0])} (at position ${m.index})`, allowed);
  return value;
}

/**
 * The gate: `value` unchanged, or a BadValueError when it holds a control or line/paragraph
 * separator character. `allowTab` only for shell lines the user writes (`setup`).
 */
export function checkPrintable(key: string, value: string, scope = 'config', options: { allowTab?: boolean } = {}): string {
  return refuseChars(
    scope,
    key,
    value,
    options.allowTab ? CONTROL_OR_TAB_ALLOWED : CONTROL,
    'control characters (newlines, NUL, tabs, U+0085, U+2028, U+2029 ...) cannot go into a job script, a directive or a command line',
  );
}

/** True when the value would pass the gate. */
export function isPrintable(value: string): boolean {
  return !CONTROL.test(value);
}
