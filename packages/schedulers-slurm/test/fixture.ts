// Reads a captured CLI fixture: `# command:`, `# context:`, `# exit code:` headers, stdout, then `# stderr:`.
import { readFileSync } from 'node:fs';

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
    const l = lines[i] ?? '';
    if (!l.startsWith(`# ${key}: `)) throw new Error(`${name}: line ${i + 1} should be '# ${key}: ...'`);
    return l.slice(`# ${key}: `.length);
  };
  const command = header(0, 'command');
  const context = header(1, 'context');
  const code = Number(header(2, 'exit code'));
  const rest = lines.slice(3);
  const cut = rest.indexOf('# stderr:');
  const stdout = (cut < 0 ? rest : rest.slice(0, cut)).join('\n');
  const stderr = cut < 0 ? '' : rest.slice(cut + 1).join('\n');
  return { command, context, code, stdout, stderr };
}
