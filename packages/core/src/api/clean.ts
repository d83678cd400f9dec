/**
 * `clustrix clean`: remove the job folders on the clusters that nothing touched for N days, of jobs whose end is
 * proven (exec/files/sweep.ts says how); every configured cluster and every cluster in the registry.
 */
import { currentConfig } from '../config/current.js';
import { resolveCall } from '../config/resolve.js';
import { ClustrixError } from '../errors.js';
import { clusterRuntime } from '../exec/cluster/cluster-runtime.js';
import { runtimeForRecord } from '../exec/run/attach-record.js';
import { currentRegistry } from '../registry/index.js';
import { sweepEndedFolders, type SweepOptions, type SweepReport } from '../exec/files/sweep.js';

export interface CleanOptions extends Omit<SweepOptions, 'by'> {
  /** Only these clusters (default: every configured cluster and every cluster in the registry). */
  clusters?: string[];
}

export interface CleanReport extends SweepReport {
  cluster: string;
  error?: string;
}

export async function cleanJobs(options: CleanOptions): Promise<CleanReport[]> {
  if (!Number.isFinite(options.olderThanDays) || options.olderThanDays < 0) {
    throw new ClustrixError(`clean: the age must be a number of days >= 0, got ${options.olderThanDays}`, { scope: 'config' });
  }
  const config = (await currentConfig()).merged;
  const registry = await currentRegistry();
  const records = await registry.list();
  const names = options.clusters ?? [...new Set(['local', ...Object.keys(config.clusters ?? {}), ...records.map((r) => r.cluster)])];
  const reports: CleanReport[] = [];
  for (const name of names) {
    const report: CleanReport = { cluster: name, removed: [], keptActive: [], keptUnknown: [] };
    reports.push(report);
    try {
      const sample = records.find((r) => r.cluster === name);
      const rt = config.clusters?.[name] || name === 'local' || !sample ? await clusterRuntime(name, resolveCall(config, {}, { cluster: name }).profile) : await runtimeForRecord(sample);
      Object.assign(report, await sweepEndedFolders(rt, registry, { olderThanDays: options.olderThanDays, dryRun: options.dryRun === true, forget: options.forget === true }));
    } catch (err) {
      report.error = (err as Error).message;
    }
  }
  return reports;
}
