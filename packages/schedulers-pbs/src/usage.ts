/**
 * What ended jobs used, from PBS Pro/OpenPBS's job history (`qstat -f -x [-t] ids`): `resources_used.`
 * walltime, cput, mem (the peak resident memory MoM sampled), ncpus, and `Resource_List.ngpus`. MoM
 * samples every few seconds: a short job shows `mem = 0kb`, which means "not sampled" (left out).
 * SLURM's Torque wrappers print no resources_used: that flavour asks nothing (the runner's figures stand).
 */
import type { CommandOutput, JobUsage, UsageReport } from '@clustrix/core/scheduler';
import { idKey, parsePbsId, parseQstatFull, type QstatRecord } from './parse.js';

/** PBS times `01:02:03` (or plain seconds) → ms. */
export function parsePbsDuration(value: string | undefined): number | undefined {
  const v = value?.trim() ?? '';
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const m = /^(\d+):(\d+):(\d+)$/.exec(v);
  return m ? (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000 : undefined;
}

const UNIT: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, w: 8, kw: 8 * 1024, mw: 8 * 1024 ** 2, gw: 8 * 1024 ** 3 };

/** PBS sizes `7276kb`, `2gb`, `512` (bytes) → bytes. */
export function parsePbsSize(value: string | undefined): number | undefined {
  const m = /^(\d+)\s*([kmgt]?[bw])?$/i.exec(value?.trim() ?? '');
  return m ? Number(m[1]) * UNIT[(m[2] ?? 'b').toLowerCase()]! : undefined;
}

function recordUsage(rec: QstatRecord): JobUsage | undefined {
  const get = (k: string) => rec.attrs.get(k);
  // only a finished job's figures are final (a running job's resources_used are a sample): F, or E (exiting)
  if (!['F', 'E'].includes(get('job_state')?.trim() ?? 'F')) return undefined;
  if (![...rec.attrs.keys()].some((k) => k.startsWith('resources_used.'))) return undefined;
  const elapsed = parsePbsDuration(get('resources_used.walltime'));
  const cpu = parsePbsDuration(get('resources_used.cput'));
  const mem = parsePbsSize(get('resources_used.mem'));
  const cpus = Number(get('resources_used.ncpus') ?? get('resource_list.ncpus'));
  const gpus = Number(get('resource_list.ngpus'));
  return {
    ...(elapsed !== undefined ? { elapsedMs: elapsed } : {}),
    ...(cpu !== undefined ? { cpuMs: cpu } : {}),
    ...(mem ? { maxRssBytes: mem } : {}),
    ...(cpus > 0 ? { cpus } : {}),
    ...(gpus >= 0 && get('resource_list.ngpus') !== undefined ? { gpus } : {}),
    source: 'pbs',
  };
}

/** Usage by requested id (subjobs by their index); jobs qstat does not show, or shows without resources_used, are left out. */
export function parsePbsUsage(outputs: readonly CommandOutput[], ids: readonly string[]): Map<string, UsageReport> {
  const wanted = new Map<string, string>();
  for (const id of ids) {
    const p = parsePbsId(id);
    if (p) wanted.set(idKey(p), id);
  }
  const reports = new Map<string, UsageReport>();
  for (const rec of parseQstatFull(outputs[0]?.stdout ?? '')) {
    const p = parsePbsId(rec.id);
    const id = p && wanted.get(idKey(p));
    const u = id === undefined ? undefined : recordUsage(rec);
    if (!p || id === undefined || !u) continue;
    const report = reports.get(id) ?? {};
    reports.set(id, report);
    if (p.index === undefined) report.job = u;
    else (report.tasks ??= new Map()).set(p.index, u);
  }
  return reports;
}
