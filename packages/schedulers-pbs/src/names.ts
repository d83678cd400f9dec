/**
 * Values that reach qsub's command line. Some qsub front ends (SLURM's Torque wrappers) paste their
 * options into a shell line UNQUOTED, so a job name or path with a space or `;` breaks the command
 * or runs something else. Job names are made safe (and kept in the script, not on the command
 * line); the job folder, which must be on the command line as -o/-e, is checked.
 */
import { BadValueError } from '@clustrix/core/scheduler';

/** OpenPBS allows 230 characters (PBS_MAXJOBNAME; longer: "qsub: Job name is too long", seen by directive-fuzz); Torque has no documented limit. */
const MAX_NAME = 230;

/**
 * A name every PBS accepts: letters, digits, `_`, `.`, `-`, starting with a letter (Torque's
 * rule; PBS Pro also allows a digit). Anything else becomes `_`.
 */
export function safeJobName(name: string): string {
  let s = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  if (!/^[A-Za-z]/.test(s)) s = `j${s}`;
  return s.slice(0, MAX_NAME);
}

/** Characters a path may have on qsub's command line: no spaces, quotes, `$`, `:` (PBS's host:path) or `%` (SLURM patterns). */
const SAFE_PATH = /^\/[A-Za-z0-9._/+,@=-]*$/;

/** A path in the job folder, if it can go on qsub's command line as it is; else a BadValueError (BAD_VALUE) saying what to change. */
export function checkedPath(path: string): string {
  if (!SAFE_PATH.test(path)) {
    throw new BadValueError(
      `the job folder path ${JSON.stringify(path)} cannot be given to qsub -o/-e: PBS front ends split or misread paths with ` +
        `spaces, quotes, '$', ':' or '%'. Set \`remoteRoot\` to an absolute path made of letters, digits and . _ / + , @ = -`,
      { scope: 'pbs', keyPath: 'remoteRoot' },
    );
  }
  return path;
}
