/**
 * Removing the job folders of ended jobs on one cluster: what `clustrix clean` does per cluster, and what the
 * `retentionDays` sweep does on its own. Only folders of jobs whose end is proven go: the registry's record says
 * the job ended, or — a folder this registry does not know (another process or machine on the same account) —
 * the folder carries the end marker the job script writes after the runner exits (`exit_code`; an array: one
 * `exit_codes/<i>` per item). Every other folder is kept, whatever its age: an active job's, and an unknown one
 * that may still be running. One shell command lists the folders with that proof; removal goes through the
 * transport. The registry records stay (marked `removedAt`) unless `forget` is set.
 */
import { isActiveRecord, type JobRecord } from '../../registry/record.js';
import type { JobRegistry } from '../../registry/store.js';
import type { Transport } from '../../transport/contract.js';

export interface SweepOptions {
  /** Remove folders untouched for more than this many days (0: every folder of an ended job). */
  olderThanDays: number;
  /** List what would go, remove nothing. */
  dryRun?: boolean;
  /** Also delete the registry records of the removed jobs. */
  forget?: boolean;
  /** Who removes: `clean` (the command, the API) or `retention` (the automatic sweep). */
  by?: 'clean' | 'retention';
}

export interface SweepReport {
  /** Job folders removed (or that would be, with dryRun). */
  removed: string[];
  /** Folders kept because their job is active. */
  keptActive: string[];
  /** Folders of jobs this registry does not know and whose end the folder does not prove (they may be running). */
  keptUnknown: string[];
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

/** Sort the old folders under `<remoteRoot>/jobs` into removable and kept ones; remove the first unless dryRun. */
export async function sweepEndedFolders(cluster: { transport: Transport; remoteRoot: string }, registry: JobRegistry, options: SweepOptions): Promise<SweepReport> {
  const report: SweepReport = { removed: [], keptActive: [], keptUnknown: [] };
  const byId = new Map((await registry.list()).map((r) => [r.id, r]));
  const jobsDir = `${cluster.remoteRoot}/jobs`;
  const minutes = Math.floor(options.olderThanDays * 1440);
  const found = await cluster.transport.exec(['sh', '-c', LIST_OLD_FOLDERS, 'clustrix-clean', jobsDir, String(minutes)]);
  if (found.code !== 0) throw new Error(found.stderr.trim() || `find exited with ${found.code}`);
  const listed = found.stdout.split('\n').map((l) => ({ ended: l.startsWith('1 '), dir: l.slice(2).trim() })).filter((l) => l.dir.startsWith(`${jobsDir}/`));
  const gone: JobRecord[] = [];
  for (const { dir, ended } of listed) {
    const record = byId.get(dir.slice(jobsDir.length + 1).replace(ATTEMPT, ''));
    if (record && isActiveRecord(record)) report.keptActive.push(dir);
    else if (!record && !ended) report.keptUnknown.push(dir);
    else {
      report.removed.push(dir);
      if (record && !gone.includes(record)) gone.push(record);
    }
  }
  if (options.dryRun || !report.removed.length) return report;
  for (let i = 0; i < report.removed.length; i += 200) {
    const out = await cluster.transport.exec(['rm', '-rf', '--', ...report.removed.slice(i, i + 200)]);
    if (out.code !== 0) throw new Error(out.stderr.trim() || `rm exited with ${out.code}`);
  }
  for (const r of gone) {
    if (options.forget) await registry.remove(r.id);
    else await registry.update(r.id, (x) => void Object.assign(x, { removedAt: new Date().toISOString(), removedBy: options.by ?? 'clean' }));
  }
  return report;
}
