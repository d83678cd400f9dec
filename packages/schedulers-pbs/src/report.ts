/**
 * `qstat -f` records → one SchedulerReport per requested job id, with array subjobs (`123[4]`,
 * from `qstat -t`) as tasks. A job that ended without an exit status is `cancelled` but only
 * `guessed` (its exit-code marker, if any, decides), with an EMPTY task map: for a single job that
 * changes nothing, and an array's tasks then wait for their own exit-code files instead of all
 * ending with a record that (on SLURM's wrappers) is only one of its tasks.
 */
import { aggregateTaskStatus, ClustrixError, type CommandOutput, type JobState, type SchedulerReport } from '@clustrix/core/scheduler';
import type { PbsFlavour } from './flavour.js';
import { idKey, parsePbsId, parseQstatFull, type QstatRecord } from './parse.js';
import { ENDED, ENDED_WITHOUT_STATUS, outcomeOfComment, outcomeOfExit, PBS_STATES } from './states.js';

/** qstat's exit code when no id it was given is known. */
const UNKNOWN_JOB_ID = 153;

type Entry = { state: JobState; schedulerState: string; reason?: string; exitCode?: number; guessed?: boolean };

/** One record's state; `guessed` when it ended without saying how (then an exit-code marker decides). */
export function recordEntry(rec: QstatRecord, flavour: PbsFlavour): Entry {
  const letter = (rec.attrs.get('job_state') ?? '').trim();
  const known = PBS_STATES[letter];
  if (!known) return { state: 'unknown', schedulerState: letter || '?', reason: `unknown PBS job state ${JSON.stringify(letter)}` };
  if (ENDED.has(letter)) {
    const raw = rec.attrs.get('exit_status')?.trim();
    const status = raw !== undefined && /^-?\d+$/.test(raw) ? Number(raw) : undefined;
    const substate = rec.attrs.get('substate')?.trim();
    if (status === undefined && substate !== '91') return { state: 'cancelled', schedulerState: letter, reason: ENDED_WITHOUT_STATUS, guessed: true };
    const o = outcomeOfComment(outcomeOfExit(flavour, status ?? 0, substate), rec.attrs.get('comment')?.trim());
    return { state: o.state, schedulerState: letter, ...(o.reason ? { reason: o.reason } : {}), ...(o.exitCode !== undefined ? { exitCode: o.exitCode } : {}) };
  }
  const why: string[] = [];
  const holds = rec.attrs.get('hold_types')?.trim();
  if (holds && holds !== 'n') why.push(`held (${holds})`);
  else if (known.word !== 'running' && known.word !== 'queued') why.push(known.word);
  const comment = rec.attrs.get('comment')?.trim();
  if (comment && known.state === 'pending') why.push(comment);
  const requeued = known.state === 'pending' ? requeuedBecause(rec, flavour) : undefined;
  if (requeued) why.push(requeued);
  return { state: known.state, schedulerState: letter, ...(why.length ? { reason: why.join('; ') } : {}) };
}

/** A job waiting again after it ran (PBS Pro requeues a rerunnable job whose node went down): why, from its last Exit_status. */
function requeuedBecause(rec: QstatRecord, flavour: PbsFlavour): string | undefined {
  const raw = rec.attrs.get('exit_status')?.trim();
  const runs = Number(rec.attrs.get('run_count') ?? 0);
  if (raw === undefined || !/^-?\d+$/.test(raw) || !(runs > 0)) return undefined;
  const last = outcomeOfExit(flavour, Number(raw));
  return `requeued after run ${runs}: ${last.reason ?? `Exit_status ${raw}`}`;
}

/** qstat refusing an option means the profile names the wrong flavour: say which to set. */
function checkFlavour(text: string, flavour: PbsFlavour): void {
  const opt = /^Unknown option: (\S+)|^\S*: invalid option -- '?(\w)/m.exec(text);
  const xml = flavour === 'pbspro' && /^\s*<Data>/.test(text);
  if (opt || xml) {
    const hint = flavour === 'pbspro' ? "this qstat is not PBS Pro's (no -x for finished jobs): set `flavour: 'torque'` in the profile" : "set `flavour: 'pbspro'` if this is PBS Pro/OpenPBS";
    throw new ClustrixError(`qstat rejected the options of the ${flavour} flavour (${xml ? 'it printed XML for -x' : (opt![0] ?? '').trim()}); ${hint}`, { scope: 'pbs' });
  }
}

/** Reports by requested id from the output of `qstat -f [-x] [-t] ids...`. */
export function pbsReports(flavour: PbsFlavour, outputs: readonly CommandOutput[], ids: readonly string[]): Map<string, SchedulerReport> {
  const reports = new Map<string, SchedulerReport>();
  const out = outputs[0];
  if (!out) return reports;
  checkFlavour(out.stdout, flavour);
  const wanted = new Map<string, string>();
  for (const id of ids) {
    const p = parsePbsId(id);
    if (p) wanted.set(idKey(p), id);
  }
  const records = parseQstatFull(out.stdout);
  // 153 (15001 PBSE_UNKJOBID & 0xff) is "none of these ids is known"; any other failure without a
  // record (server down, timeout) must not make outstanding jobs look gone: the watcher asks again
  if (!records.length && out.code !== 0 && out.code !== UNKNOWN_JOB_ID) {
    throw new ClustrixError(`qstat failed (exit code ${out.code}): ${out.stdout.trim().split('\n').slice(-3).join(' | ') || 'no output'}`, { scope: 'pbs' });
  }
  const bases = new Map<string, Entry>();
  const tasks = new Map<string, Map<number, Entry>>();
  for (const rec of records) {
    const p = parsePbsId(rec.id);
    const id = p && wanted.get(idKey(p));
    if (!p || id === undefined) continue;
    const e = recordEntry(rec, flavour);
    if (p.index === undefined) bases.set(id, e);
    else {
      if (!tasks.has(id)) tasks.set(id, new Map());
      tasks.get(id)!.set(p.index, e);
    }
  }
  for (const id of new Set([...bases.keys(), ...tasks.keys()])) {
    const base = bases.get(id);
    const own = tasks.get(id);
    if (base) reports.set(id, { ...base, ...(own ? { tasks: own } : base.guessed ? { tasks: new Map() } : {}) });
    else {
      const agg = aggregateTaskStatus([...own!.values()]);
      reports.set(id, { state: agg.state, schedulerState: 'subjobs', ...(agg.reason ? { reason: agg.reason } : {}), tasks: own! });
    }
  }
  return reports;
}
