/**
 * Parsers for what SGE prints while jobs are active (tested on captured real output): `qsub -terse`
 * and `qstat -xml`. Running tasks are under <queue_info>, pending/held/error ones under <job_info>;
 * an array has one <job_list> per running task (`<tasks>3</tasks>`) and one per pending range
 * (`<tasks>7-10:1</tasks>`). Task ids are 1-based; reports use Clustrix's 0-based indices.
 */
import { ClustrixError, type CommandOutput, type JobState, type SchedulerReport } from '@clustrix/core/scheduler';
import { describeSgeState, mapSgeState } from './states.js';

/** `43` or `44.1-4:1` (an array) → `43` / `44`. */
export function parseQsubId(stdout: string): string {
  const line = stdout.trim().split('\n').pop()?.trim() ?? '';
  const m = /^(\d+)(?:\.\d+(?:-\d+(?::\d+)?)?)?$/.exec(line);
  if (!m) throw new Error(`expected a job id like 43 or 44.1-4:1, got ${JSON.stringify(line)}`);
  return m[1]!;
}

/** `3`, `7-10:1`, `1-9:2,12` → task ids (capped at a million). */
export function parseTaskRange(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const r = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!r) continue;
    const from = Number(r[1]);
    const to = r[2] === undefined ? from : Number(r[2]);
    const step = Math.max(1, r[3] === undefined ? 1 : Number(r[3]));
    for (let i = from; i <= to && out.length < 1_000_000; i += step) out.push(i);
  }
  return out;
}

export interface QstatEntry {
  jobId: string;
  /** State letters: `r`, `qw`, `hqw`, `Eqw`, `dr`... */
  state: string;
  name?: string;
  owner?: string;
  slots?: number;
  queue?: string;
  /** 1-based task ids this entry covers; undefined for a plain job. */
  tasks?: number[];
}

const unescape = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

function tag(body: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(body);
  return m ? unescape(m[1]!.trim()) : undefined;
}

/** `qstat -xml` → one entry per <job_list>. Throws when the text is not a complete qstat document. */
export function parseQstatXml(xml: string): QstatEntry[] {
  // complete = every <job_info> (the root and the pending list) is closed; a cut-off answer is not
  const opened = xml.match(/<job_info[\s>]/g)?.length ?? 0;
  if (!opened || opened !== (xml.match(/<\/job_info>/g)?.length ?? 0)) {
    throw new Error(`not a complete qstat -xml document: ${JSON.stringify(xml.trim().slice(0, 300))}`);
  }
  const out: QstatEntry[] = [];
  for (const m of xml.matchAll(/<job_list\b[^>]*>([\s\S]*?)<\/job_list>/g)) {
    const body = m[1]!;
    const jobId = tag(body, 'JB_job_number');
    const state = tag(body, 'state');
    if (!jobId || state === undefined) continue;
    const tasks = tag(body, 'tasks');
    const slots = tag(body, 'slots');
    const name = tag(body, 'JB_name');
    const owner = tag(body, 'JB_owner');
    const queue = tag(body, 'queue_name');
    out.push({
      jobId,
      state,
      ...(name ? { name } : {}),
      ...(owner ? { owner } : {}),
      ...(slots ? { slots: Number(slots) } : {}),
      ...(queue ? { queue } : {}),
      ...(tasks ? { tasks: parseTaskRange(tasks) } : {}),
    });
  }
  return out;
}

type Entry = { state: JobState; schedulerState: string; reason?: string };

function entry(letters: string, id: string): Entry {
  const reason = describeSgeState(letters, id);
  return { state: mapSgeState(letters), schedulerState: letters, ...(reason ? { reason } : {}) };
}

/** running beats pending beats the rest, for the state of a whole array. */
const RANK: Partial<Record<JobState, number>> = { running: 3, pending: 2, failed: 1 };

/** Reports by job id from ONE `qstat -xml` (statusArgv's only command). Jobs qstat does not show are left out. */
export function qstatReports(outputs: readonly CommandOutput[], ids: readonly string[]): Map<string, SchedulerReport> {
  const out = outputs[0];
  if (!out || out.code !== 0) {
    throw new ClustrixError(`qstat -xml failed (exit code ${out?.code ?? 'none'}): ${(out?.stdout ?? '').trim().slice(0, 500)}`, { scope: 'sge' });
  }
  let entries: QstatEntry[];
  try {
    entries = parseQstatXml(out.stdout);
  } catch (err) {
    throw new ClustrixError(`cannot read qstat -xml: ${(err as Error).message}`, { scope: 'sge', cause: err });
  }
  const wanted = new Set(ids);
  const reports = new Map<string, SchedulerReport>();
  for (const e of entries) {
    if (!wanted.has(e.jobId)) continue;
    const here = entry(e.state, e.jobId);
    if (!e.tasks) {
      reports.set(e.jobId, here);
      continue;
    }
    const r = reports.get(e.jobId) ?? { ...here, tasks: new Map() };
    r.tasks ??= new Map();
    for (const t of e.tasks) r.tasks.set(t - 1, here);
    if ((RANK[here.state] ?? 0) > (RANK[r.state] ?? 0)) {
      r.state = here.state;
      r.schedulerState = here.schedulerState;
      if (here.reason) r.reason = here.reason;
      else delete r.reason;
    }
    reports.set(e.jobId, r);
  }
  return reports;
}
