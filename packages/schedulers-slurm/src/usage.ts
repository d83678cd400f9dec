/**
 * What ended jobs used, from SLURM's accounting: `sacct --noheader --parsable2 --format=USAGE_FORMAT`
 * without `--allocations`, so that the steps come too. The job's (or array task's) own line has its
 * Elapsed, TotalCPU (the steps' sum) and AllocTRES (cpu=, gres/gpu=); MaxRSS is only on the steps
 * (`.batch`, `.extern`, `.0`): the job's peak is the largest of them.
 */
import type { CommandOutput, JobUsage, UsageReport } from '@clustrix/core/scheduler';

export const USAGE_FORMAT = 'JobID,State,Elapsed,TotalCPU,MaxRSS,AllocTRES';

export function usageArgv(ids: readonly string[]): string[][] {
  return [['sacct', '--noheader', '--parsable2', `--format=${USAGE_FORMAT}`, `--jobs=${ids.join(',')}`]];
}

/** sacct times: `2-03:04:05`, `01:02:03`, `04:05.123` (TotalCPU), `00:00.038` → ms. */
export function parseSlurmDuration(value: string | undefined): number | undefined {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(value?.trim() ?? '');
  if (!m) return undefined;
  const [, days, hours, minutes, seconds] = m;
  return Math.round((((Number(days ?? 0) * 24 + Number(hours ?? 0)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000);
}

const UNIT: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 };

/** sacct memory: `50540K`, `1.50G`, `0` → bytes; empty (no sample) → undefined. */
export function parseSlurmBytes(value: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGTP]?)$/i.exec(value?.trim() ?? '');
  return m ? Math.round(Number(m[1]) * UNIT[m[2]!.toUpperCase()]!) : undefined;
}

/** `billing=1,cpu=2,gres/gpu=1,mem=2949M,node=1` (or `gres/gpu:a100=2`) → cpus and gpus. */
export function parseAllocTres(value: string | undefined): { cpus?: number; gpus?: number } {
  const out: { cpus?: number; gpus?: number } = {};
  for (const pair of (value ?? '').split(',')) {
    const [key, n] = pair.split('=');
    if (key === 'cpu' && Number(n) > 0) out.cpus = Number(n);
    if (key !== undefined && /^gres\/gpu$/.test(key) && Number(n) >= 0) out.gpus = Number(n);
  }
  return out;
}

/** `166_3.batch` → job 166, task 3, a step; `16170` → job 16170; a pending range `166_[1-3]` → undefined. */
function lineId(field: string): { jobId: string; task?: number; step: boolean } | undefined {
  const m = /^(\d+)(?:_(\d+))?(\.\S+)?$/.exec(field.trim());
  if (!m) return undefined;
  return { jobId: m[1]!, ...(m[2] !== undefined ? { task: Number(m[2]) } : {}), step: m[3] !== undefined };
}

/** Usage by job id (array tasks by their 0-based index) from sacct's output; jobs it does not list are left out. */
export function parseSlurmUsage(outputs: readonly CommandOutput[], ids: readonly string[]): Map<string, UsageReport> {
  const wanted = new Set(ids);
  const figures = new Map<string, Map<number | undefined, JobUsage>>();
  for (const line of (outputs[0]?.stdout ?? '').split('\n')) {
    const f = line.split('|');
    const id = f.length >= 6 ? lineId(f[0]!) : undefined;
    if (!id || !wanted.has(id.jobId)) continue;
    const byTask = figures.get(id.jobId) ?? new Map<number | undefined, JobUsage>();
    figures.set(id.jobId, byTask);
    const u = byTask.get(id.task) ?? { source: 'slurm' };
    byTask.set(id.task, u);
    const rss = parseSlurmBytes(f[4]);
    if (rss !== undefined && rss > (u.maxRssBytes ?? -1)) u.maxRssBytes = rss;
    if (id.step) continue;
    const elapsed = parseSlurmDuration(f[2]);
    const cpu = parseSlurmDuration(f[3]);
    Object.assign(u, elapsed !== undefined ? { elapsedMs: elapsed } : {}, cpu !== undefined ? { cpuMs: cpu } : {}, parseAllocTres(f[5]));
  }
  const reports = new Map<string, UsageReport>();
  for (const [jobId, byTask] of figures) {
    const job = byTask.get(undefined);
    const tasks = new Map([...byTask].filter(([t]) => t !== undefined) as Array<[number, JobUsage]>);
    reports.set(jobId, { ...(job ? { job } : {}), ...(tasks.size ? { tasks } : {}) });
  }
  return reports;
}
