/**
 * Waiting for a job from another process — the one that submitted it may have died; the job kept
 * running on its cluster:
 *
 *   const value = await attach<number>('20261129-023012-7f3a9c1e');   // a single call's result
 *   const values = await attach<number[]>(mapJobId);                   // an array: every result, in order
 *   for await (const r of attachBatch<number>(mapJobId)) { ... }       // an array, item by item
 *
 * The job is found in the registry (a unique part of the id is enough). Attaching continues what the
 * submitting process would have done: retries and resumes from checkpoints are submitted from here
 * when that process is gone, and `outputs` are fetched.
 */
import { ClustrixError } from '../errors.js';
import { JobHandle } from '../exec/run/job-handle.js';
import { CallRun } from '../exec/run/call-run.js';
import { currentAttempt, currentRegistry, isActiveRecord, recordLabel } from '../registry/index.js';
import { Batch } from './map-batch.js';

export interface AttachOptions {
  /** Results as plain JSON (superjson's `json` part): for tools that do not have the job's classes (the CLI). */
  raw?: boolean;
}

/** A run following the job `id` (a full id or a unique part of it). */
export async function attachRun(id: string, options: AttachOptions = {}): Promise<CallRun> {
  const registry = await currentRegistry();
  const record = await registry.read(await registry.resolveId(id));
  if (!record) throw new ClustrixError(`job ${id} vanished from the registry at ${registry.dir}`, { scope: 'registry' });
  if (record.removedAt && !isActiveRecord(record)) {
    // Nothing to read back: say so, and leave the record as it is.
    throw new ClustrixError(
      `job ${record.id} (${recordLabel(record)}) ended ${record.state}${record.endedAt ? ` at ${record.endedAt}` : ''}, but its folder was removed by ${REMOVED_BY[record.removedBy ?? 'clean']} at ${record.removedAt}: its result is gone`,
      { scope: record.scheduler, jobId: record.id, ...(currentAttempt(record)?.ref ? { schedulerJobId: currentAttempt(record)!.ref!.schedulerJobId } : {}) },
    );
  }
  return CallRun.attach(record, options.raw ? { raw: true } : {});
}

/** The result of job `id`: its value (a single call), or every item's value in order (an array; a BatchError if any failed). */
export async function attach<T = unknown>(id: string, options: AttachOptions = {}): Promise<T> {
  const run = await attachRun(id, options);
  if (!run.options.array) return run.items[0]!.promise as Promise<T>;
  return (await batchOf(run).results()) as T;
}

/** Job `id` (an array job) as a Batch: awaitable, iterable as items finish, `settled()`. */
export function attachBatch<R = unknown>(id: string, options: AttachOptions = {}): Batch<R> {
  let run: CallRun | undefined;
  const runP = attachRun(id, options).then((r) => (run = r));
  return new Batch<R>(
    runP.then((r) => r.items.map((d) => d.promise as Promise<R>)),
    {
      cancel: async () => (await runP).cancel(),
      jobs: () => (run ? [new JobHandle(run)] : []),
      submitted: async () => [new JobHandle(await runP)],
      usage: async () => {
        const r = await runP;
        return Promise.all(r.items.map((_, i) => r.usage(i)));
      },
    },
  );
}

function batchOf(run: CallRun): Batch<unknown> {
  return new Batch(
    run.items.map((d) => d.promise),
    { cancel: () => run.cancel(), jobs: () => [new JobHandle(run)], usage: () => Promise.all(run.items.map((_, i) => run.usage(i))) },
  );
}

const REMOVED_BY = { cleanup: 'its `cleanup` option', clean: 'clean', retention: 'the daily sweep of folders older than `retentionDays`' } as const;
