/**
 * The Kubernetes "transport": a job-folder store on this machine, since pods share no filesystem
 * with it. Core's stager writes the runner, bundles and job folders into it as if it were the
 * cluster's disk (paths are the pods' paths, under `/clustrix` by default); at submit the
 * scheduler packs what one job needs into a ConfigMap or Secret; when a pod ends, the result,
 * error, exit code and stderr tail parsed out of its log are written back into the job folder, so
 * core's collect step reads them unchanged.
 *
 * With `payloadVolume`, the store is a folder of this machine (`localPath`) that is the same volume
 * the pods mount at the remote root: files go there for real and results come back through it.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, posix } from 'node:path';
import { LocalTransport, TransportError, type ExecResult, type Transport, type WriteOptions } from '@clustrix/core/scheduler';

/** The pods' stand-in for `~`: the default remote root `~/.clustrix` is `/clustrix/.clustrix` in a pod. */
export const POD_HOME = '/clustrix';

interface StoredFile {
  /** Content written through the transport. */
  data?: Buffer;
  /** A local file `put` here (runner, bundles: immutable, read when a job is packed). */
  source?: string;
  mode: number;
}

export function podPath(path: string): string {
  if (path === '~') return POD_HOME;
  if (path.startsWith('~/')) return posix.join(POD_HOME, path.slice(2));
  return posix.resolve(POD_HOME, path);
}

function under(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

export class KubeTransport implements Transport {
  readonly kind = 'kubernetes';
  readonly sharesFilesystem = false;
  /**
   * Runs no command: pods share no shell with this machine. Core must not call `exec` on a transport
   * without this capability (`inputs`, `outputs`, `externals` and the staging check need it); until its
   * contract says so, `exec` is here only to refuse with the reason.
   */
  readonly canExec = false;
  private readonly files = new Map<string, StoredFile>();
  private readonly dirs = new Set<string>();
  private readonly local = new LocalTransport();

  /**
   * @param host  what messages call the cluster (context and server)
   * @param volume  `payloadVolume` mode: the pods' `podRoot` is this machine's `localPath`
   */
  constructor(
    readonly host: string,
    readonly volume?: { podRoot: string; localPath: string },
  ) {}

  /** True when jobs travel through a shared volume rather than in the payload object. */
  get onVolume(): boolean {
    return this.volume !== undefined;
  }

  /** This machine's path for a pod path on the shared volume (volume mode only). */
  localPathOf(path: string): string {
    const p = podPath(path);
    const v = this.volume;
    if (!v || !under(p, v.podRoot)) {
      throw new TransportError(`${p} is outside the payload volume mounted at ${v?.podRoot ?? '(none)'}; keep \`remoteRoot\` at the volume's mount`, {
        scope: 'kubernetes',
      });
    }
    return posix.join(v.localPath, posix.relative(v.podRoot, p));
  }

  /** Not offered (`canExec` is false): refuses, naming what to do instead. */
  async exec(argv: readonly string[]): Promise<ExecResult> {
    throw new TransportError(
      `the kubernetes scheduler cannot run commands on the cluster (asked to run ${argv[0] ?? 'nothing'}${argv[3] ? ` for ${argv[3]}` : ''}), ` +
        'so `inputs`, `outputs` and `externals` installed on the cluster are not available with it; ' +
        'put such files or packages into the container `image` (or on a volume) instead',
      { scope: 'kubernetes' },
    );
  }

  async resolvePath(path: string): Promise<string> {
    return podPath(path);
  }

  async mkdir(path: string, options: { mode?: number } = {}): Promise<void> {
    if (this.volume) return this.local.mkdir(this.localPathOf(path), options);
    for (let p = podPath(path); p !== '/'; p = posix.dirname(p)) this.dirs.add(p);
  }

  async exists(path: string): Promise<boolean> {
    if (this.volume) return this.local.exists(this.localPathOf(path));
    const p = podPath(path);
    return this.files.has(p) || this.dirs.has(p);
  }

  async put(localPath: string, remotePath: string, options: WriteOptions = {}): Promise<void> {
    if (this.volume) return this.local.put(localPath, this.localPathOf(remotePath), options);
    const p = podPath(remotePath);
    this.files.set(p, { source: localPath, mode: options.mode ?? 0o600 });
    await this.mkdir(posix.dirname(p));
  }

  async get(remotePath: string, localPath: string): Promise<void> {
    if (this.volume) return this.local.get(this.localPathOf(remotePath), localPath);
    const data = await this.read(podPath(remotePath));
    if (!data) throw new TransportError(`no file ${remotePath} in the job folders kept for the cluster ${this.host}`, { scope: 'kubernetes' });
    await mkdir(dirname(localPath), { recursive: true });
    await writeFile(localPath, data);
  }

  async writeFiles(dir: string, files: Record<string, string | Uint8Array>, options: WriteOptions = {}): Promise<void> {
    if (this.volume) return this.local.writeFiles(this.localPathOf(dir), files, options);
    const base = podPath(dir);
    await this.mkdir(base);
    for (const [rel, data] of Object.entries(files)) {
      const p = posix.join(base, rel);
      if (rel.endsWith('/')) {
        await this.mkdir(p);
        continue;
      }
      await this.mkdir(posix.dirname(p));
      this.files.set(p, { data: Buffer.from(data), mode: options.mode ?? 0o600 });
    }
  }

  async readFiles(paths: readonly string[], options: { tailBytes?: number } = {}): Promise<Map<string, Buffer | undefined>> {
    if (this.volume) {
      const mapped = await this.local.readFiles(paths.map((p) => this.localPathOf(p)), options);
      return new Map(paths.map((p) => [p, mapped.get(this.localPathOf(p))]));
    }
    const out = new Map<string, Buffer | undefined>();
    for (const p of paths) {
      const data = await this.read(podPath(p)).catch(() => undefined);
      out.set(p, data && options.tailBytes !== undefined && data.length > options.tailBytes ? data.subarray(data.length - options.tailBytes) : data);
    }
    return out;
  }

  async remove(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    if (this.volume) return this.local.remove(this.localPathOf(path), options);
    const p = podPath(path);
    this.files.delete(p);
    this.dirs.delete(p);
    if (!options.recursive) return;
    for (const k of [...this.files.keys()]) if (under(k, p)) this.files.delete(k);
    for (const k of [...this.dirs]) if (under(k, p)) this.dirs.delete(k);
  }

  async close(): Promise<void> {
    this.files.clear();
    this.dirs.clear();
  }

  /** Content of one stored file (memory mode), or undefined. */
  async read(path: string): Promise<Buffer | undefined> {
    if (this.volume) return readFile(this.localPathOf(path)).catch(() => undefined);
    const f = this.files.get(podPath(path));
    if (!f) return undefined;
    return f.data ?? (f.source ? readFile(f.source) : undefined);
  }

  /** Store a file coming back from a pod (a result parsed out of its log). */
  async store(path: string, data: Buffer): Promise<void> {
    if (this.volume) return this.local.writeFiles(posix.dirname(this.localPathOf(path)), { [posix.basename(path)]: data });
    await this.mkdir(posix.dirname(podPath(path)));
    this.files.set(podPath(path), { data, mode: 0o600 });
  }

  /** Files and folders under `dir` (memory mode), as paths relative to it. */
  listTree(dir: string): { files: Array<{ path: string; mode: number }>; dirs: string[] } {
    const base = podPath(dir);
    const files: Array<{ path: string; mode: number }> = [];
    const dirs: string[] = [];
    for (const [k, f] of this.files) if (k !== base && under(k, base)) files.push({ path: posix.relative(base, k), mode: f.mode });
    for (const k of this.dirs) if (k !== base && under(k, base)) dirs.push(posix.relative(base, k));
    return { files: files.sort((a, b) => a.path.localeCompare(b.path)), dirs: dirs.sort() };
  }

  /** Mode of a stored file (memory mode). */
  modeOf(path: string): number | undefined {
    return this.files.get(podPath(path))?.mode;
  }

  /** Drop the inputs of a submitted job (they now live in its payload object), keeping folders. */
  forgetInputs(jobDir: string): void {
    const base = podPath(jobDir);
    for (const k of [...this.files.keys()]) if (under(k, base)) this.files.delete(k);
  }
}
