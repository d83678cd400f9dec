/**
 * A run in the job registry: the record made before anything is submitted, a failure before the
 * submission, the submission itself, and — once every item has its outcome — the job folders
 * removed as `cleanup` says.
 */
import { newJobRecord, type JobRecord } from '../../registry/record.js';
import type { JobRegistry } from '../../registry/store.js';
import type { JobRef } from '../../scheduler/contract.js';
import { logger } from '../../util/debug.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import type { PreparedCall } from './prepared-call.js';
import type { ResolvedRun } from './resolve-run.js';

const log = logger('run');

export interface RunIdentity {
  jobId: string;
  /** Items of an array job; undefined for a single job. */
  items?: number | undefined;
  concurrency?: number | undefined;
  key?: string | undefined;
  fingerprint?: string | undefined;
}

/** The record of a run about to be submitted (state `preparing`), written to the registry. */
export async function createRunRecord(registry: JobRegistry, run: RunIdentity, first: PreparedCall, resolved: ResolvedRun): Promise<JobRecord> {
  const { info } = first;
  const record = newJobRecord({
    id: run.jobId,
    cluster: resolved.rt.name,
    scheduler: resolved.rt.scheduler.name,
    profile: resolved.profile,
    options: resolved.options,
    target: { className: info.cls.name, method: info.method, static: info.isStatic, module: resolved.where.file },
    ...(run.key ? { key: run.key } : {}),
    ...(run.fingerprint ? { fingerprint: run.fingerprint } : {}),
    ...(run.items !== undefined ? { items: run.items } : {}),
    ...(run.concurrency ? { concurrency: run.concurrency } : {}),
  });
  await registry.create(record);
  return record;
}

/** The run failed before its job was submitted (or was cancelled then): the record says so. Never throws. */
export async function recordNotSubmitted(registry: JobRegistry, jobId: string, items: number, err: unknown, cancelled: boolean): Promise<void> {
  await registry
    .update(jobId, (r) => {
      r.state = cancelled ? 'cancelled' : 'failed';
      r.endedAt = new Date().toISOString();
      r.reason = String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 500);
      r.outcome = { succeeded: 0, failed: items, error: { name: (err as Error)?.name ?? 'Error', message: r.reason } };
    })
    .catch(() => undefined);
}

export interface Submission {
  ref: JobRef;
  jobDir: string;
  command: string[];
  /** Relative paths of the staged inputs. */
  inputs: string[];
}

/** The first attempt was submitted: the record's attempt 0 and state `pending`. A registry that cannot be written is logged, not fatal. */
export async function recordSubmission(registry: JobRegistry, record: JobRecord, s: Submission): Promise<JobRecord> {
  const tops = [...new Set(s.inputs.map((rel) => rel.split('/')[0]!))];
  const updated = await registry
    .update(record.id, (r) => {
      r.attempts = [{ n: 0, jobId: record.id, jobDir: s.jobDir, ref: s.ref, submittedAt: new Date().toISOString() }];
      r.state = 'pending';
      r.submittedAt = new Date().toISOString();
      r.command = s.command;
      if (tops.length) r.inputs = tops;
    })
    .catch((err: unknown) => {
      log('cannot record the submission of %s: %s', record.id, (err as Error).message);
      return undefined;
    });
  return updated ?? { ...record, attempts: [{ n: 0, jobId: record.id, jobDir: s.jobDir, ref: s.ref }], command: s.command, state: 'pending' };
}

/** After the last item: remove the attempts' folders as `cleanup` says (`always`, or `success` when the job completed). */
export async function cleanupJobFolders(rt: ClusterRuntime, registry: JobRegistry, record: JobRecord): Promise<void> {
  const attempts = record.attempts.filter((a) => a.ref);
  const policy = record.options.cleanup ?? 'keep';
  if (policy === 'keep' || !attempts.length) return;
  if (policy === 'always' || record.state === 'completed') {
    await Promise.all(attempts.map((a) => rt.transport.remove(a.jobDir, { recursive: true }).catch(() => undefined)));
    await registry.update(record.id, (r) => (r.removedAt ? false : void Object.assign(r, { removedAt: new Date().toISOString(), removedBy: 'cleanup' }))).catch(() => undefined);
  }
}
