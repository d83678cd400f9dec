/**
 * The one place argv becomes a shell line. Every word is single-quoted, always — including words
 * that look harmless — so nothing in a job name, path or value is ever interpreted by a shell.
 */
export function quoteWord(word: string): string {
  if (word.includes('\0')) throw new Error('a shell word cannot contain a NUL byte');
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function argvToShell(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('argvToShell: empty argv');
  return argv.map(quoteWord).join(' ');
}
