/**
 * PBS job states and exit statuses, mapped to Clustrix states. The job folder's exit-code marker
 * decides how a job ended whenever it exists; these explain jobs that ended without one (killed at
 * a limit, deleted, never started), and jobs that are still waiting or running.
 */
import type { JobState } from '@clustrix/core/scheduler';
import type { PbsFlavour } from './flavour.js';

/** Every job_state letter of PBS Pro and Torque. F, C and X are ends; the exit status says which. */
export const PBS_STATES: Readonly<Record<string, { state: JobState; word: string }>> = {
  Q: { state: 'pending', word: 'queued' },
  H: { state: 'pending', word: 'held' },
  W: { state: 'pending', word: 'waiting for its start time' },
  T: { state: 'pending', word: 'being moved' },
  M: { state: 'pending', word: 'moved to another server' },
  R: { state: 'running', word: 'running' },
  E: { state: 'running', word: 'exiting' },
  B: { state: 'running', word: 'array begun' },
  S: { state: 'running', word: 'suspended' },
  U: { state: 'running', word: 'suspended (workstation busy)' },
  F: { state: 'completed', word: 'finished' },
  C: { state: 'completed', word: 'completed' },
  X: { state: 'completed', word: 'subjob finished' },
};

export const ENDED = new Set(['F', 'C', 'X']);

type Outcome = { state: JobState; reason?: string };

/** Negative exit statuses: PBS could not run the job, or its MoM killed it at a limit. */
const NEGATIVE: Readonly<Record<PbsFlavour, Readonly<Record<number, Outcome & { name: string }>>>> = {
  pbspro: {
    [-1]: { name: 'JOB_EXEC_FAIL1', state: 'failed', reason: 'the job could not start (before its files were set up)' },
    [-2]: { name: 'JOB_EXEC_FAIL2', state: 'failed', reason: 'the job could not start (after its files were set up)' },
    [-3]: { name: 'JOB_EXEC_RETRY', state: 'failed', reason: 'the job could not start; PBS retries it' },
    [-4]: { name: 'JOB_EXEC_INITABT', state: 'node_fail', reason: 'aborted while its MoM initialised' },
    [-10]: { name: 'JOB_EXEC_FAILUID', state: 'failed', reason: 'invalid uid/gid for the job' },
    [-20]: { name: 'JOB_EXEC_RERUN_MS_FAIL', state: 'node_fail', reason: 'the connection to its mother superior failed' },
    [-24]: { name: 'JOB_EXEC_KILL_NCPUS_BURST', state: 'failed', reason: 'killed for using more CPUs than requested (burst)' },
    [-25]: { name: 'JOB_EXEC_KILL_NCPUS_SUM', state: 'failed', reason: 'killed for using more CPUs than requested' },
    [-26]: { name: 'JOB_EXEC_KILL_VMEM', state: 'out_of_memory', reason: 'killed for exceeding its vmem limit' },
    [-27]: { name: 'JOB_EXEC_KILL_MEM', state: 'out_of_memory', reason: 'killed for exceeding its mem limit' },
    [-28]: { name: 'JOB_EXEC_KILL_CPUT', state: 'timeout', reason: 'killed for exceeding its cput limit' },
    [-29]: { name: 'JOB_EXEC_KILL_WALLTIME', state: 'timeout', reason: 'killed for exceeding its walltime' },
  },
  torque: {
    [-1]: { name: 'JOB_EXEC_FAIL1', state: 'failed', reason: 'the job could not start (before its files were set up)' },
    [-2]: { name: 'JOB_EXEC_FAIL2', state: 'failed', reason: 'the job could not start (after its files were set up)' },
    [-3]: { name: 'JOB_EXEC_RETRY', state: 'failed', reason: 'the job could not start; Torque retries it' },
    [-4]: { name: 'JOB_EXEC_INITABT', state: 'node_fail', reason: 'aborted while its MoM initialised' },
    [-8]: { name: 'JOB_EXEC_CMDFAIL', state: 'failed', reason: 'the job script could not be executed' },
    [-9]: { name: 'JOB_EXEC_STDOUTFAIL', state: 'failed', reason: 'its stdout/stderr files could not be created' },
    [-10]: { name: 'JOB_EXEC_OVERLIMIT_MEM', state: 'out_of_memory', reason: 'killed for exceeding its memory limit' },
    [-11]: { name: 'JOB_EXEC_OVERLIMIT_WT', state: 'timeout', reason: 'killed for exceeding its walltime' },
    [-12]: { name: 'JOB_EXEC_OVERLIMIT_CPUT', state: 'timeout', reason: 'killed for exceeding its cput limit' },
  },
};

const SIGNALS: Readonly<Record<number, string>> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };

/** PBS Pro's substate of a job deleted with qdel (job_state F). */
export const SUBSTATE_DELETED = '91';

/** How a job ended, from its exit status (and PBS Pro's substate). */
export function outcomeOfExit(flavour: PbsFlavour, status: number, substate?: string): Outcome & { exitCode?: number } {
  if (substate === SUBSTATE_DELETED) return { state: 'cancelled', reason: `deleted (qdel)${status !== 0 ? `, Exit_status ${status}` : ''}` };
  if (status === 0) return { state: 'completed', exitCode: 0 };
  if (status > 0 && status < 256) return { state: 'failed', exitCode: status };
  if (status >= 256) {
    // 256+N: the job's shell itself was killed by signal N, from outside (qdel, or a limit on older PBS)
    const sig = status - 256;
    return { state: 'cancelled', exitCode: 128 + sig, reason: `killed by signal ${sig}${SIGNALS[sig] ? ` (${SIGNALS[sig]})` : ''}, Exit_status ${status}` };
  }
  const known = NEGATIVE[flavour][status];
  if (known) return { state: known.state, reason: `${known.reason} (Exit_status ${status}, ${known.name})` };
  return { state: 'failed', reason: `PBS could not run the job (Exit_status ${status})` };
}

/**
 * PBS Pro's `comment` of an ended job says how it ended in words ("Job run at ... on (vm:ncpus=1) and
 * exceeded resource walltime", "... and terminated by alice@host", "... and failed"). It names a limit
 * kill even when the Exit_status is one this table lacks, and the reason quotes it.
 */
export function outcomeOfComment<O extends Outcome & { exitCode?: number }>(o: O, comment: string | undefined): O {
  if (!comment || o.state === 'completed') return o;
  const and = /\band ((?:exceeded resource|terminated by|failed|was requeued|requeued|.*node.*down).*)$/i.exec(comment)?.[1];
  // "Job run at <time> on (<vnodes>)" alone says nothing about the end (a node that went down leaves it so)
  if (and === undefined && /^Job (run|Array Began) at /.test(comment)) return o;
  const tail = and ?? comment;
  if (tail === 'failed') return o; // the exit status already says it
  const limit = /exceeded resource (\w+)/.exec(tail)?.[1];
  const state = o.state !== 'failed' || !limit ? o.state : /^(mem|vmem|pmem)$/.test(limit) ? 'out_of_memory' : /^(walltime|cput)$/.test(limit) ? 'timeout' : o.state;
  const reason = o.reason && !o.reason.includes(tail) ? `${o.reason}; PBS: ${tail}` : (o.reason ?? `PBS: ${tail}`);
  return { ...o, state, reason };
}

/**
 * What an ended job without an exit status (SLURM's wrappers never show one) and without an
 * exit-code file means: something killed it. It counts as cancelled (qdel is the usual reason);
 * a time or memory kill is recognised from the line the scheduler leaves in its stderr.
 */
export const ENDED_WITHOUT_STATUS =
  'qstat shows it ended but gives no exit status, and the job wrote no exit code: it was killed (qdel, a time or memory limit) or could not start';
