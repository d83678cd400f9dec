// Reads a fixture file (format: test/fixtures/README.md) into the command, its exit code, stdout and stderr.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface Fixture {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
  /** stdout then stderr, as the status round trip sees them (`2>&1`). */
  merged: string;
}

export function fixture(name: string): Fixture {
  const text = readFileSync(join(HERE, 'fixtures', name), 'utf8');
  const lines = text.split('\n');
  const header = (key: string) => lines.find((l) => l.startsWith(`# ${key}: `))?.slice(key.length + 4) ?? '';
  const start = lines.findIndex((l) => l.startsWith('# exit code: ')) + 1;
  const body = lines.slice(start).join('\n');
  const at = body.startsWith('# stderr:\n') ? 0 : body.indexOf('\n# stderr:\n');
  const stdout = at < 0 ? body : body.slice(0, at === 0 ? 0 : at + 1);
  const stderr = at < 0 ? '' : body.slice(at === 0 ? '# stderr:\n'.length : at + '\n# stderr:\n'.length);
  return { command: header('command'), code: Number(header('exit code')), stdout, stderr, merged: stdout + stderr };
}
