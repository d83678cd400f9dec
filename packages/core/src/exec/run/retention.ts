/**
 * Job folders do not pile up: ended jobs' folders older than `retentionDays` (default 14) are removed by a sweep
 * that runs at most once a day per cluster and registry, in the background after a call on that cluster ends.
 * It removes only what `clustrix clean --older-than <retentionDays>` would (exec/files/sweep.ts): folders of
 * jobs whose end is proven; an active job's folder stays whatever its age. `retentionDays: false` turns it off.
 * A stamp file in the registry (`retention/<cluster>`) records the last sweep, shared by every process.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobRegistry } from '../../registry/store.js';
import { logger } from '../../util/debug.js';
import { sweepEndedFolders } from '../files/sweep.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';

const log = logger('retention');
const DAY_MS = 86_400_000;

/** Claims today's sweep for `cluster` (false when a process already swept in the last day). */
async function claimSweep(registry: JobRegistry, cluster: string, now: number): Promise<boolean> {
  const dir = join(registry.dir, 'retention');
  const stamp = join(dir, encodeURIComponent(cluster));
  const last = await stat(stamp).then((s) => s.mtimeMs, () => undefined);
  if (last !== undefined && now - last < DAY_MS) return false;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(stamp, new Date(now).toISOString());
  return true;
}

/**
 * Sweeps `rt`'s ended job folders older than `days` when none was swept in the last day. Resolves when done (or
 * skipped); never rejects: a sweep that fails is logged (DEBUG=clustrix:retention) and tried again the next day.
 */
export async function sweepOnSchedule(rt: Pick<ClusterRuntime, 'name' | 'transport' | 'remoteRoot'>, registry: JobRegistry, days: number | false | undefined, now = Date.now()): Promise<void> {
  if (days === false || days === undefined) return;
  try {
    if (!(await claimSweep(registry, rt.name, now))) return;
    const report = await sweepEndedFolders(rt, registry, { olderThanDays: days, by: 'retention' });
    if (report.removed.length) log('%s: removed %d job folders older than %d days', rt.name, report.removed.length, days);
  } catch (err) {
    log('%s: the sweep failed: %s', rt.name, (err as Error).message);
  }
}
