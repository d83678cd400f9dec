/**
 * Reads a captured CLI output file (the fixtures of every scheduler package): three header lines
 * `# command: ...`, `# context: ...`, `# exit code: N`, then stdout, then `# stderr:` and stderr.
 */
import { readFileSync } from 'node:fs';

export interface Capture {
  command: string;
  context: string;
  code: number;
  stdout: string;
  stderr: string;
  /** stdout then stderr, as a status round trip sees them (`2>&1`). */
  merged: string;
}

export function readCapture(file: string | URL): Capture {
  const name = String(file);
  const lines = readFileSync(file, 'utf8').split('\n');
  const header = (i: number, key: string) => {
    const prefix = `# ${key}: `;
    if (!lines[i]?.startsWith(prefix)) throw new Error(`${name}: line ${i + 1} should be "${prefix}..."`);
    return lines[i]!.slice(prefix.length);
  };
  const command = header(0, 'command');
  const context = header(1, 'context');
  const code = Number(header(2, 'exit code'));
  const rest = lines.slice(3).join('\n');
  const at = rest.search(/^# stderr:$/m);
  const stdout = at < 0 ? rest : rest.slice(0, at);
  const stderr = at < 0 ? '' : rest.slice(at + '# stderr:\n'.length);
  return { command, context, code, stdout, stderr, merged: stdout + stderr };
}
