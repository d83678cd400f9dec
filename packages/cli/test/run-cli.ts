// Runs the `clustrix` command from source (one node process, tsx loader), as a user would run it.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = join(here, '..', '..', '..');
const bin = join(repo, 'packages', 'cli', 'src', 'bin.ts');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `clustrix <args>`; `env` is added to a clean CLUSTRIX_* environment. */
export function runCli(args: string[], options: { env?: Record<string, string>; timeoutMs?: number; onStdout?: (text: string) => void } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('CLUSTRIX_') && k !== 'DEBUG') env[k] = v;
    const p = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', bin, ...args], {
      cwd: repo,
      env: { ...env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      options.onStdout?.(stdout);
    });
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = options.timeoutMs ? setTimeout(() => p.kill('SIGKILL'), options.timeoutMs) : undefined;
    p.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
