/**
 * The Transport contract over a shared SshConnection: commands go through `argvToShell` (every word
 * single-quoted), files go over SFTP. Uploads are atomic (written to a temporary name, then renamed
 * with posix-rename), so a half-uploaded runner or bundle is never taken for a complete one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir as mkdirLocal } from 'node:fs/promises';
import { dirname as dirnameLocal } from 'node:path';
import { posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { TransportError } from '../../errors.js';
import type { ExecOptions, ExecResult, Transport, WriteOptions } from '../contract.js';
import { argvToShell } from '../shell-quote.js';
import type { SshConnection } from './connection.js';
import { isNoSuchFile, sftpOps } from './sftp.js';

export class SshTransport implements Transport {
  readonly kind = 'ssh';
  readonly sharesFilesystem = false;
  readonly canExec = true;
  readonly host: string;
  private home: Promise<string> | undefined;
  private readonly dirs = new Set<string>();
  private closed = false;

  constructor(
    readonly connection: SshConnection,
    private readonly onClose: () => Promise<void>,
  ) {
    this.host = connection.label;
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const line = argvToShell(argv);
    const r = await this.connection.exec(line, options);
    return { stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), code: r.code };
  }

  private homeDir(): Promise<string> {
    this.home ??= this.connection.withSftp((s) => sftpOps.realpath(s, '.'));
    this.home.catch(() => (this.home = undefined));
    return this.home;
  }

  async resolvePath(path: string): Promise<string> {
    if (path.startsWith('~') && path !== '~' && !path.startsWith('~/')) {
      throw new TransportError(`'${path}': only '~' and '~/...' are expanded on ${this.host}; give an absolute path`, { scope: 'ssh' });
    }
    if (path === '~') return this.homeDir();
    if (path.startsWith('~/')) return posix.join(await this.homeDir(), path.slice(2));
    if (path.startsWith('/')) return posix.normalize(path);
    return posix.join(await this.homeDir(), path);
  }

  private async mkdirp(s: SFTPWrapper, dir: string, mode: number): Promise<void> {
    if (this.dirs.has(dir) || dir === '/' || dir === '.') return;
    try {
      await sftpOps.mkdir(s, dir, mode);
    } catch (err) {
      if (isNoSuchFile(err)) {
        await this.mkdirp(s, posix.dirname(dir), 0o700);
        await sftpOps.mkdir(s, dir, mode).catch(async (e: unknown) => {
          if (!(await sftpOps.stat(s, dir).then((st) => st.isDirectory(), () => false))) throw e;
        });
      } else {
        const isDir = await sftpOps.stat(s, dir).then((st) => st.isDirectory(), () => false);
        if (!isDir) throw new TransportError(`cannot create folder ${dir} on ${this.host}: ${(err as Error).message}`, { scope: 'ssh', cause: err });
      }
    }
    this.dirs.add(dir);
  }

  async mkdir(path: string, options: { mode?: number } = {}): Promise<void> {
    const mode = options.mode ?? 0o700;
    await this.connection.withSftp(async (s) => {
      const known = this.dirs.has(path);
      await this.mkdirp(s, path, mode);
      // umask can only clear bits: a mode with group/other bits needs an explicit chmod.
      if (!known && options.mode !== undefined && (mode & 0o077) !== 0) await sftpOps.chmod(s, path, mode);
    });
  }

  async exists(path: string): Promise<boolean> {
    return this.connection.withSftp(async (s) => {
      try {
        await sftpOps.stat(s, path);
        return true;
      } catch (err) {
        if (isNoSuchFile(err)) return false;
        throw new TransportError(`cannot check ${path} on ${this.host}: ${(err as Error).message}`, { scope: 'ssh', cause: err });
      }
    });
  }

  async put(localPath: string, remotePath: string, options: WriteOptions = {}): Promise<void> {
    const tmp = `${remotePath}.${randomBytes(6).toString('hex')}.part`;
    await this.connection.withSftp(async (s) => {
      await this.mkdirp(s, posix.dirname(remotePath), 0o700);
      try {
        await sftpOps.fastPut(s, localPath, tmp, options.mode ?? 0o600);
        await sftpOps.chmod(s, tmp, options.mode ?? 0o600);
        await sftpOps.rename(s, tmp, remotePath);
      } catch (err) {
        await sftpOps.unlink(s, tmp).catch(() => undefined);
        throw new TransportError(`cannot upload ${localPath} to ${this.host}:${remotePath}: ${(err as Error).message}`, { scope: 'ssh', cause: err });
      }
    });
  }

  async get(remotePath: string, localPath: string): Promise<void> {
    await mkdirLocal(dirnameLocal(localPath), { recursive: true });
    await this.connection.withSftp(async (s) => {
      try {
        await sftpOps.fastGet(s, remotePath, localPath);
      } catch (err) {
        throw new TransportError(`cannot download ${this.host}:${remotePath}: ${(err as Error).message}`, { scope: 'ssh', cause: err });
      }
    });
  }

  async writeFiles(dir: string, files: Record<string, string | Uint8Array>, options: WriteOptions = {}): Promise<void> {
    const entries = Object.entries(files);
    const folders = new Set<string>([dir]);
    for (const [rel] of entries) {
      if (rel.endsWith('/')) folders.add(posix.join(dir, rel));
      else folders.add(posix.dirname(posix.join(dir, rel)));
    }
    await this.connection.withSftp(async (s) => {
      for (const f of [...folders].sort((a, b) => a.length - b.length)) await this.mkdirp(s, f.replace(/\/$/, ''), 0o700);
      await Promise.all(
        entries
          .filter(([rel]) => !rel.endsWith('/'))
          .map(([rel, data]) => sftpOps.writeFile(s, posix.join(dir, rel), data, options.mode ?? 0o600)),
      );
    });
  }

  async readFiles(paths: readonly string[], options: { tailBytes?: number } = {}): Promise<Map<string, Buffer | undefined>> {
    const out = new Map<string, Buffer | undefined>();
    await this.connection.withSftp(async (s) => {
      await Promise.all(
        paths.map(async (p) => {
          try {
            out.set(p, options.tailBytes === undefined ? await sftpOps.readFile(s, p) : await sftpOps.readTail(s, p, options.tailBytes));
          } catch {
            // Missing or unreadable: undefined, as on the local transport (a dropped connection still fails the whole read).
            out.set(p, undefined);
          }
        }),
      );
    });
    return out;
  }

  async remove(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    const norm = posix.normalize(path);
    if (!norm.startsWith('/') || norm.split('/').filter(Boolean).length < 2) {
      throw new TransportError(`refusing to remove '${path}' on ${this.host}: expected an absolute path at least two folders deep`, { scope: 'ssh' });
    }
    for (const d of this.dirs) if (d === norm || d.startsWith(`${norm}/`)) this.dirs.delete(d);
    if (options.recursive) {
      const r = await this.exec(['rm', '-rf', '--', norm]);
      if (r.code !== 0) throw new TransportError(`cannot remove ${norm} on ${this.host}: ${r.stderr.trim()}`, { scope: 'ssh' });
      return;
    }
    await this.connection.withSftp((s) => sftpOps.unlink(s, norm).catch((err: unknown) => (isNoSuchFile(err) ? undefined : Promise.reject(err))));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.onClose();
  }
}
