/**
 * `clustrix clean`: remove job folders on the clusters that nothing touched for N days (the folder's
 * modification time moves when the job writes its result). Folders of jobs the registry shows as
 * active are kept whatever their age. One `find` per cluster lists them; removal goes through the
 * transport. The registry records stay (marked `removedAt`) unless `forget` is set.
 */
import { currentConfig } from '../config/current.js';
import { resolveCall } from '../config/resolve.js';
import { ClustrixError } from '../errors.js';
import { clusterRuntime } from '../exec/cluster.js';
import { runtimeForRecord } from '../exec/run-attach.js';
import { currentRegistry } from '../registry/index.js';
import { isActiveRecord, type JobRecord } from '../registry/record.js';

export interface CleanOptions {
  /** Remove folders untouched for more than this many days (0: every folder of an ended job). */
  olderThanDays: number;
  /** Only these clusters (default: every configured cluster and every cluster in the registry). */
  clusters?: string[];
  /** List what would go, remove nothing. */
  dryRun?: boolean;
  /** Also delete the registry records of the removed jobs. */
  forget?: boolean;
}

export interface CleanReport {
  cluster: string;
  /** Job folders removed (or that would be, with dryRun). */
  removed: string[];
  /** Folders kept because their job is active. */
  keptActive: string[];
  error?: string;
}

const ATTEMPT = /-r\d+$/;

export async function cleanJobs(options: CleanOptions): Promise<CleanReport[]> {
  if (!Number.isFinite(options.olderThanDays) || options.olderThanDays < 0) {
    throw new ClustrixError(`clean: the age must be a number of days >= 0, got ${options.olderThanDays}`, { scope: 'config' });
  }
  const config = (await currentConfig()).merged;
  const registry = await currentRegistry();
  const records = await registry.list();
  const byId = new Map(records.map((r) => [r.id, r]));
  const names = options.clusters ?? [...new Set(['local', ...Object.keys(config.clusters ?? {}), ...records.map((r) => r.cluster)])];
  const reports: CleanReport[] = [];
  for (const name of names) {
    const report: CleanReport = { cluster: name, removed: [], keptActive: [] };
    reports.push(report);
    try {
      const sample = records.find((r) => r.cluster === name);
      const rt = config.clusters?.[name] || name === 'local' || !sample ? await clusterRuntime(name, resolveCall(config, {}, { cluster: name }).profile) : await runtimeForRecord(sample);
      const jobsDir = `${rt.remoteRoot}/jobs`;
      const minutes = Math.floor(options.olderThanDays * 1440);
      const found = await rt.transport.exec(['sh', '-c', '[ -d "$1" ] || exit 0; find "$1" -mindepth 1 -maxdepth 1 -type d -mmin "+$2"', 'clustrix-clean', jobsDir, String(minutes)]);
      if (found.code !== 0) throw new Error(found.stderr.trim() || `find exited with ${found.code}`);
      const dirs = found.stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(`${jobsDir}/`));
      const gone: JobRecord[] = [];
      for (const dir of dirs) {
        const folder = dir.slice(jobsDir.length + 1);
        const record = byId.get(folder.replace(ATTEMPT, ''));
        if (record && isActiveRecord(record)) {
          report.keptActive.push(dir);
          continue;
        }
        report.removed.push(dir);
        if (record && !gone.includes(record)) gone.push(record);
      }
      if (options.dryRun || !report.removed.length) continue;
      for (let i = 0; i < report.removed.length; i += 200) {
        const chunk = report.removed.slice(i, i + 200);
        const out = await rt.transport.exec(['rm', '-rf', '--', ...chunk]);
        if (out.code !== 0) throw new Error(out.stderr.trim() || `rm exited with ${out.code}`);
      }
      for (const r of gone) {
        if (options.forget) await registry.remove(r.id);
        else await registry.update(r.id, (x) => void (x.removedAt = new Date().toISOString()));
      }
    } catch (err) {
      report.error = (err as Error).message;
    }
  }
  return reports;
}
