/**
 * `clustrix clean`: remove job folders on the clusters that nothing touched for N days (the folder's
 * modification time moves when the job writes its result and its exit-code marker). Only folders of
 * jobs whose end is proven go: the registry's record says the job ended, or — a folder this registry
 * does not know (another process or machine on the same account) — the folder carries the end
 * marker the job script writes after the runner exits (`exit_code`; an array: one `exit_codes/<i>`
 * per item). Every other folder is kept, whatever its age: an active job's, and an unknown one that
 * may still be running. One shell command per cluster lists the folders with that proof; removal
 * goes through the transport. The registry records stay (marked `removedAt`) unless `forget` is set.
 */
import { currentConfig } from '../config/current.js';
import { resolveCall } from '../config/resolve.js';
import { ClustrixError } from '../errors.js';
import { clusterRuntime } from '../exec/cluster/cluster-runtime.js';
import { runtimeForRecord } from '../exec/run/attach-record.js';
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
  /** Folders of jobs this registry does not know and whose end the folder does not prove (they may be running). */
  keptUnknown: string[];
  error?: string;
}

const ATTEMPT = /-r\d+$/;

/**
 * Lists `$1`'s sub-folders untouched for more than `$2` minutes, one per line as `<ended> <path>`:
 * ended is 1 when the folder holds its end marker(s) — `exit_code`, or as many `exit_codes/*` as
 * job.json's `items`.
 */
const LIST_OLD_FOLDERS = [
  '[ -d "$1" ] || exit 0',
  'find "$1" -mindepth 1 -maxdepth 1 -type d -mmin "+$2" | while IFS= read -r d; do',
  '  e=0',
  '  if [ -f "$d/exit_code" ]; then e=1',
  '  elif [ -d "$d/exit_codes" ] && [ -f "$d/job.json" ]; then',
  '    n=$(tr , "\\n" <"$d/job.json" | sed -n \'s/^ *"items" *: *\\([0-9][0-9]*\\).*/\\1/p\' | head -n 1)',
  '    c=$(ls "$d/exit_codes" | wc -l)',
  '    [ -n "$n" ] && [ "$c" -ge "$n" ] && e=1',
  '  fi',
  '  printf "%s %s\\n" "$e" "$d"',
  'done',
].join('\n');

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
    const report: CleanReport = { cluster: name, removed: [], keptActive: [], keptUnknown: [] };
    reports.push(report);
    try {
      const sample = records.find((r) => r.cluster === name);
      const rt = config.clusters?.[name] || name === 'local' || !sample ? await clusterRuntime(name, resolveCall(config, {}, { cluster: name }).profile) : await runtimeForRecord(sample);
      const jobsDir = `${rt.remoteRoot}/jobs`;
      const minutes = Math.floor(options.olderThanDays * 1440);
      const found = await rt.transport.exec(['sh', '-c', LIST_OLD_FOLDERS, 'clustrix-clean', jobsDir, String(minutes)]);
      if (found.code !== 0) throw new Error(found.stderr.trim() || `find exited with ${found.code}`);
      const listed = found.stdout.split('\n').map((l) => ({ ended: l.startsWith('1 '), dir: l.slice(2).trim() })).filter((l) => l.dir.startsWith(`${jobsDir}/`));
      const gone: JobRecord[] = [];
      for (const { dir, ended } of listed) {
        const folder = dir.slice(jobsDir.length + 1);
        const record = byId.get(folder.replace(ATTEMPT, ''));
        if (record && isActiveRecord(record)) {
          report.keptActive.push(dir);
          continue;
        }
        if (!record && !ended) {
          report.keptUnknown.push(dir);
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
        else await registry.update(r.id, (x) => void Object.assign(x, { removedAt: new Date().toISOString(), removedBy: 'clean' }));
      }
    } catch (err) {
      report.error = (err as Error).message;
    }
  }
  return reports;
}
