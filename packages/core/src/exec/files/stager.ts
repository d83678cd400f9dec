/**
 * Staging through the transport: the runner installed once per version, bundles stored by content
 * hash, one private (0700) folder per job. On a transport that shares this machine's filesystem, the
 * runner and bundles are used in place. A staged runner or bundle is reused only after the remote
 * side has shown it is ours and unchanged (transport/staging-trust.ts: owner, mode and sha256, in
 * the same command that tells whether it is there); one that is not is replaced, never run.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Bundle } from '../../ship/bundler.js';
import type { RunnerFile } from '../../ship/runner-file.js';
import type { Transport } from '../../transport/contract.js';
import { stagingChecker, StagingChecker, type StagedState } from '../../transport/staging-trust.js';
import { logger } from '../../util/debug.js';
import { sha256 } from '../../util/hash.js';

const log = logger('stage');

export interface StageStats {
  bundleUploads: number;
  runnerUploads: number;
}

const digests = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

/** sha256 of a local file (memoised by size and mtime; runners and bundles are small and immutable). */
export function localFileSha256(path: string): string {
  const st = statSync(path);
  const memo = digests.get(path);
  if (memo && memo.size === st.size && memo.mtimeMs === st.mtimeMs) return memo.sha256;
  const digest = sha256(readFileSync(path));
  digests.set(path, { size: st.size, mtimeMs: st.mtimeMs, sha256: digest });
  return digest;
}

export class Stager {
  private readonly bundles = new Map<string, Promise<string>>();
  private runner: Promise<string> | undefined;
  private readonly checker: StagingChecker | undefined;
  readonly stats: StageStats = { bundleUploads: 0, runnerUploads: 0 };
  /** Staged runners and bundles found changed, planted or unsafe, and uploaded again. */
  replaced = 0;

  constructor(
    readonly transport: Transport,
    /** Absolute remote root. */
    readonly root: string,
  ) {
    if (StagingChecker.supports(transport)) this.checker = stagingChecker(transport, root);
  }

  jobDir(jobId: string): string {
    return `${this.root}/jobs/${jobId}`;
  }

  /** Is `remote` there, ours and unchanged? (`missing` without a checker when absent.) */
  private async stateOf(folder: string, remote: string, local: string): Promise<StagedState> {
    if (!this.checker) return (await this.transport.exists(remote)) ? 'ok' : 'missing';
    const [, state] = await this.checker.check([
      { kind: 'dir', path: folder },
      { kind: 'file', path: remote, sha256: localFileSha256(local) },
    ]);
    return state!;
  }

  /** Upload `local` to `remote` unless it is there and verified; true when uploaded. */
  private async install(folder: string, local: string, remote: string, what: string): Promise<boolean> {
    const state = await this.stateOf(folder, remote, local);
    if (state === 'ok') return false;
    if (state !== 'missing') {
      log('%s %s on %s is %s: replacing it', what, remote, this.transport.host, state === 'unsafe' ? 'writable by others or not ours' : 'not the file staged');
      await this.transport.remove(remote);
      this.replaced++;
    }
    await this.transport.mkdir(folder, { mode: 0o700 });
    await this.transport.put(local, remote, { mode: 0o644 });
    return true;
  }

  /** Path of the runner on the cluster (uploaded once per version). */
  runnerPath(runner: RunnerFile): Promise<string> {
    if (this.transport.sharesFilesystem) return Promise.resolve(runner.file);
    this.runner ??= (async () => {
      const folder = `${this.root}/runner/${runner.version}`;
      const remote = `${folder}/clustrix-runner.mjs`;
      if (await this.install(folder, runner.file, remote, 'runner')) {
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
        const state = await this.stateOf(folder, remote, bundle.file);
        if (state !== 'ok') {
          // The source map first: it is data (read for stack traces), and the bundle's arrival marks both done.
          await this.transport.mkdir(folder, { mode: 0o700 });
          await this.transport.put(bundle.mapFile, `${remote}.map`, { mode: 0o644 }).catch(() => undefined);
          if (state !== 'missing') {
            log('bundle %s on %s is %s: replacing it', remote, this.transport.host, state);
            await this.transport.remove(remote);
            this.replaced++;
          }
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

  /** Create the job folder (0700; folders created above it are 0700 too) with its files, once the root is known to be safe. */
  async writeJob(jobId: string, files: Record<string, string | Uint8Array>): Promise<string> {
    const dir = this.jobDir(jobId);
    if (this.checker) await this.checker.check([]);
    await this.transport.mkdir(dir, { mode: 0o700 });
    await this.transport.writeFiles(dir, files);
    return dir;
  }
}
