// Reads the captured real SGE output in fixtures/ (format: fixtures/README.md).
import { readFileSync } from 'node:fs';
import type { CommandOutput } from '@clustrix/core';

export interface Capture {
  command: string;
  context: string;
  code: number;
  stdout: string;
  stderr: string;
}

export function capture(name: string): Capture {
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  const lines = text.split('\n');
  const header = (i: number, key: string) => {
    const prefix = `# ${key}: `;
    if (!lines[i]?.startsWith(prefix)) throw new Error(`${name}: line ${i + 1} is not "${prefix}..."`);
    return lines[i]!.slice(prefix.length);
  };
  const command = header(0, 'command');
  const context = header(1, 'context');
  const code = Number(header(2, 'exit code'));
  const rest = lines.slice(3).join('\n');
  const at = rest.search(/^# stderr:$/m);
  return { command, context, code, stdout: at < 0 ? rest : rest.slice(0, at), stderr: at < 0 ? '' : rest.slice(at + '# stderr:\n'.length) };
}

/** A capture as one command's output in a round trip (stdout and stderr together, as `2>&1` gives them). */
export function output(name: string): CommandOutput {
  const c = capture(name);
  return { stdout: c.stdout + c.stderr, code: c.code };
}
