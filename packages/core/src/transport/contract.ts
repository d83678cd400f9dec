/**
 * How core reaches a cluster's login host: run a command, move files, make folders. Implemented on
 * this machine (`LocalTransport`) and over one shared SSH connection (`SshTransport`). A scheduler
 * package never opens a connection or spawns a process itself: it uses the transport core gives it.
 */
export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit code; 128+N when killed by signal N. */
  code: number;
}

export interface ExecOptions {
  stdin?: string | Uint8Array;
  signal?: AbortSignal;
  /** Kill the command after this many ms (code 124). */
  timeoutMs?: number;
}

export interface WriteOptions {
  /** File mode, default 0o600. */
  mode?: number;
}

export interface Transport {
  /** `local`, or `ssh` */
  readonly kind: 'local' | 'ssh' | string;
  /** Host name for messages (`localhost` for local). */
  readonly host: string;
  /** True when paths on the other side are paths on this machine (bundles can be used in place). */
  readonly sharesFilesystem: boolean;
  /**
   * True when `exec` runs a POSIX shell command on the host the files are on and the jobs' Node runs
   * (this machine, a login host): core then checks Node there before submitting and verifies staged
   * files with one command. A transport that only moves files and talks to an API leaves it out.
   */
  readonly canExec?: boolean;
  /** Run argv (no shell on the local side; over SSH every word is quoted). */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Expand a leading `~` and make the path absolute on the other side. */
  resolvePath(path: string): Promise<string>;
  mkdir(path: string, options?: { mode?: number }): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Upload a local file. */
  put(localPath: string, remotePath: string, options?: WriteOptions): Promise<void>;
  /** Download a file. */
  get(remotePath: string, localPath: string): Promise<void>;
  /** Write several files under `dir` (relative names may contain folders), creating folders 0700. A name ending in `/` is a folder to create. */
  writeFiles(dir: string, files: Record<string, string | Uint8Array>, options?: WriteOptions): Promise<void>;
  /** Read several files in one round trip; a missing file maps to undefined. `tailBytes` keeps only the end. */
  readFiles(paths: readonly string[], options?: { tailBytes?: number }): Promise<Map<string, Buffer | undefined>>;
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  close(): Promise<void>;
}
