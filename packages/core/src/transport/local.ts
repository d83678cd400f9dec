/** The transport for "the cluster is this machine": child processes and the local filesystem. */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, open, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { TransportError } from '../errors.js';
import type { ExecOptions, ExecResult, Transport, WriteOptions } from './contract.js';

export class LocalTransport implements Transport {
  readonly kind = 'local';
  readonly host = 'localhost';
  readonly sharesFilesystem = true;
  readonly canExec = true;

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolvePromise, reject) => {
      const [cmd, ...args] = argv;
      if (!cmd) return reject(new TransportError('exec: empty command', { scope: 'local' }));
      const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: process.env, ...(options.signal ? { signal: options.signal } : {}) });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      if (options.timeoutMs) {
        timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, options.timeoutMs);
      }
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (timer) clearTimeout(timer);
        if (e.code === 'ENOENT') resolvePromise({ stdout: '', stderr: `${cmd}: command not found`, code: 127 });
        else if (e.name === 'AbortError') reject(e);
        else reject(new TransportError(`cannot run ${cmd}: ${e.message}`, { scope: 'local', cause: e }));
      });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        resolvePromise({
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          code: timedOut ? 124 : code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1),
        });
      });
      child.stdin.on('error', () => {});
      if (options.stdin !== undefined) child.stdin.end(options.stdin);
      else child.stdin.end();
    });
  }

  async resolvePath(path: string): Promise<string> {
    if (path === '~') return homedir();
    if (path.startsWith('~/')) return join(homedir(), path.slice(2));
    return resolve(path);
  }

  async mkdir(path: string, options: { mode?: number } = {}): Promise<void> {
    await mkdir(path, { recursive: true, mode: options.mode ?? 0o700 });
    if (options.mode !== undefined) await chmod(path, options.mode);
  }

  async exists(path: string): Promise<boolean> {
    try {
      await stat(path);
      return true;
    } catch {
      return false;
    }
  }

  async put(localPath: string, remotePath: string, options: WriteOptions = {}): Promise<void> {
    await mkdir(dirname(remotePath), { recursive: true, mode: 0o700 });
    await copyFile(localPath, remotePath);
    await chmod(remotePath, options.mode ?? 0o600);
  }

  async get(remotePath: string, localPath: string): Promise<void> {
    await mkdir(dirname(localPath), { recursive: true });
    await copyFile(remotePath, localPath);
  }

  async writeFiles(dir: string, files: Record<string, string | Uint8Array>, options: WriteOptions = {}): Promise<void> {
    const made = new Set<string>();
    for (const [rel, data] of Object.entries(files)) {
      const path = join(dir, rel);
      if (rel.endsWith('/')) {
        await mkdir(path, { recursive: true, mode: 0o700 });
        continue;
      }
      const parent = dirname(path);
      if (!made.has(parent)) {
        await mkdir(parent, { recursive: true, mode: 0o700 });
        made.add(parent);
      }
      await writeFile(path, data, { mode: options.mode ?? 0o600 });
    }
  }

  async readFiles(paths: readonly string[], options: { tailBytes?: number } = {}): Promise<Map<string, Buffer | undefined>> {
    const out = new Map<string, Buffer | undefined>();
    await Promise.all(
      paths.map(async (p) => {
        try {
          if (options.tailBytes === undefined) {
            out.set(p, await readFile(p));
            return;
          }
          const fh = await open(p, 'r');
          try {
            const { size } = await fh.stat();
            const len = Math.min(size, options.tailBytes);
            const buf = Buffer.alloc(len);
            await fh.read(buf, 0, len, size - len);
            out.set(p, buf);
          } finally {
            await fh.close();
          }
        } catch {
          out.set(p, undefined);
        }
      }),
    );
    return out;
  }

  async remove(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    await rm(path, { recursive: options.recursive ?? false, force: true });
  }

  async close(): Promise<void> {}
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  const map: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGSEGV: 11, SIGABRT: 6 };
  return map[signal];
}
