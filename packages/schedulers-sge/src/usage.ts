/**
 * What ended jobs used, from SGE's accounting (`qacct -j ID`, one per job): ru_wallclock, cpu (user +
 * system of the whole job), maxvmem (the peak VIRTUAL memory — SGE's ru_maxrss only covers the job
 * script's shell) and slots. An array has one record per task (`taskid`, 1-based).
 */
import type { CommandOutput, JobUsage, UsageReport } from '@clustrix/core/scheduler';
import { parseQacct, parseSgeTime, qacctArgv, type QacctRecord } from './qacct.js';

export const usageArgv = qacctArgv;

function recordUsage(r: QacctRecord): JobUsage {
  const cpu = parseSgeTime(r.fields.cpu);
  return {
    ...(r.wallclockSeconds !== undefined ? { elapsedMs: Math.round(r.wallclockSeconds * 1000) } : {}),
    ...(cpu !== undefined ? { cpuMs: Math.round(cpu * 1000) } : {}),
    // 0.000B: the job ended before SGE sampled it
    ...(r.maxvmemBytes ? { maxRssBytes: Math.round(r.maxvmemBytes) } : {}),
    cpus: r.slots,
    source: 'sge',
  };
}

/** Usage by job id (array tasks by their 0-based index); a job qacct does not know (yet) is left out. */
export function parseSgeUsage(outputs: readonly CommandOutput[], ids: readonly string[]): Map<string, UsageReport> {
  const reports = new Map<string, UsageReport>();
  ids.forEach((id, i) => {
    const out = outputs[i];
    if (!out || out.code !== 0) return;
    const records = parseQacct(out.stdout).filter((r) => r.jobId === id);
    if (!records.length) return;
    // SGE reuses ids after 9,999,999: the records of the latest submission
    const time = (r: QacctRecord) => (r.submitted ? Date.parse(r.submitted) || 0 : 0);
    const newest = Math.max(...records.map(time));
    const mine = records.filter((r) => time(r) === newest);
    if (mine.every((r) => r.taskId === undefined)) {
      reports.set(id, { job: recordUsage(mine[mine.length - 1]!) });
      return;
    }
    const tasks = new Map<number, JobUsage>();
    for (const r of mine) if (r.taskId !== undefined) tasks.set(r.taskId - 1, recordUsage(r)); // a rerun's later record wins
    reports.set(id, { tasks });
  });
  return reports;
}
