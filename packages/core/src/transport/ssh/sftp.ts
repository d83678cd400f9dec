/** Promise forms of the SFTP requests the transport uses (all on one SFTP channel of the shared connection). */
import type { SFTPWrapper, Stats } from 'ssh2';

/** SFTP status code for "no such file". */
export const SFTP_NO_SUCH_FILE = 2;

export function isNoSuchFile(err: unknown): boolean {
  const e = err as { code?: number | string } | undefined;
  return e?.code === SFTP_NO_SUCH_FILE || e?.code === 'ENOENT';
}

function call<T>(fn: (cb: (err: Error | undefined | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));
}

export const sftpOps = {
  stat: (s: SFTPWrapper, path: string) => call<Stats>((cb) => s.stat(path, cb)),
  realpath: (s: SFTPWrapper, path: string) => call<string>((cb) => s.realpath(path, cb)),
  mkdir: (s: SFTPWrapper, path: string, mode: number) => call<void>((cb) => s.mkdir(path, { mode }, cb)),
  chmod: (s: SFTPWrapper, path: string, mode: number) => call<void>((cb) => s.chmod(path, mode, cb)),
  unlink: (s: SFTPWrapper, path: string) => call<void>((cb) => s.unlink(path, cb)),
  rename: (s: SFTPWrapper, from: string, to: string) => call<void>((cb) => s.ext_openssh_rename(from, to, cb)),
  writeFile: (s: SFTPWrapper, path: string, data: string | Uint8Array, mode: number) =>
    call<void>((cb) => s.writeFile(path, Buffer.from(data), { mode }, cb)),
  readFile: (s: SFTPWrapper, path: string) => call<Buffer>((cb) => s.readFile(path, cb)),
  fastPut: (s: SFTPWrapper, local: string, remote: string, mode: number) => call<void>((cb) => s.fastPut(local, remote, { mode }, cb)),
  fastGet: (s: SFTPWrapper, remote: string, local: string) => call<void>((cb) => s.fastGet(remote, local, cb)),

  /** The last `bytes` of a file. */
  async readTail(s: SFTPWrapper, path: string, bytes: number): Promise<Buffer> {
    const handle = await call<Buffer>((cb) => s.open(path, 'r', cb));
    try {
      const st = await call<Stats>((cb) => s.fstat(handle, cb));
      const len = Math.min(st.size, bytes);
      const buf = Buffer.alloc(len);
      let done = 0;
      while (done < len) {
        const n = await new Promise<number>((resolve, reject) =>
          s.read(handle, buf, done, len - done, st.size - len + done, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead))),
        );
        if (n <= 0) break;
        done += n;
      }
      return buf.subarray(0, done);
    } finally {
      await call<void>((cb) => s.close(handle, cb)).catch(() => undefined);
    }
  },
};
