/**
 * Staging through the transport: the runner installed once per version, bundles stored by content
 * hash and uploaded only when absent, one private (0700) folder per job. On a transport that shares
 * this machine's filesystem, the runner and bundles are used in place.
 */
import { basename } from 'node:path';
import type { Bundle } from '../ship/bundler.js';
import type { RunnerFile } from '../ship/runner-file.js';
import type { Transport } from '../transport/contract.js';
import { logger } from '../util/debug.js';

const log = logger('stage');

export interface StageStats {
  bundleUploads: number;
  runnerUploads: number;
}

export class Stager {
  private readonly bundles = new Map<string, Promise<string>>();
  private runner: Promise<string> | undefined;
  readonly stats: StageStats = { bundleUploads: 0, runnerUploads: 0 };

  constructor(
    readonly transport: Transport,
    /** Absolute remote root. */
    readonly root: string,
  ) {}

  jobDir(jobId: string): string {
    return `${this.root}/jobs/${jobId}`;
  }

  /** Path of the runner on the cluster (uploaded once per version). */
  runnerPath(runner: RunnerFile): Promise<string> {
    if (this.transport.sharesFilesystem) return Promise.resolve(runner.file);
    this.runner ??= (async () => {
      const remote = `${this.root}/runner/${runner.version}/clustrix-runner.mjs`;
      if (!(await this.transport.exists(remote))) {
        await this.transport.mkdir(`${this.root}/runner/${runner.version}`, { mode: 0o700 });
        await this.transport.put(runner.file, remote, { mode: 0o644 });
        this.stats.runnerUploads++;
        log('installed runner %s on %s', runner.version, this.transport.host);
      }
      return remote;
    })();
    this.runner.catch(() => (this.runner = undefined));
    return this.runner;
  }

  /**
   * Path of the bundle on the cluster (uploaded only when absent there). A bundle with external
   * packages goes into their install folder (`depsDir`, see exec/externals.ts) so that Node's module
   * resolution finds them next to it.
   */
  bundlePath(bundle: Bundle, depsDir?: string): Promise<string> {
    if (this.transport.sharesFilesystem) return Promise.resolve(bundle.file);
    const folder = depsDir ?? `${this.root}/bundles`;
    const key = `${bundle.hash}\0${folder}`;
    let p = this.bundles.get(key);
    if (!p) {
      p = (async () => {
        const remote = `${folder}/${basename(bundle.file)}`;
        if (!(await this.transport.exists(remote))) {
          await this.transport.mkdir(folder, { mode: 0o700 });
          await this.transport.put(bundle.mapFile, `${remote}.map`, { mode: 0o644 }).catch(() => undefined);
          await this.transport.put(bundle.file, remote, { mode: 0o644 });
          this.stats.bundleUploads++;
          log('uploaded bundle %s to %s', bundle.hash.slice(0, 12), this.transport.host);
        }
        return remote;
      })();
      this.bundles.set(key, p);
      p.catch(() => this.bundles.delete(key));
    }
    return p;
  }

  /** Create the job folder (0700; folders created above it are 0700 too) with its files. */
  async writeJob(jobId: string, files: Record<string, string | Uint8Array>): Promise<string> {
    const dir = this.jobDir(jobId);
    await this.transport.mkdir(dir, { mode: 0o700 });
    await this.transport.writeFiles(dir, files);
    return dir;
  }
}
