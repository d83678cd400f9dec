/**
 * Fan-out: N calls of one method as one batch.
 *
 *   const batch = map(seeds, (seed) => sim.run(seed), { concurrency: 8, onProgress });
 *   const results = await batch;                 // in input order; a BatchError (with every outcome) if any failed
 *   for await (const r of batch) { ... }         // each as it finishes: { index, status, value | reason }
 *   const settled = await batch.settled();       // every outcome, never rejects
 *
 * The calls that `fn` makes synchronously become ONE job: an array job on batch schedulers, one
 * child per item on the local scheduler — never silently serial.
 */
import type { JobUsage } from '@clustrix/wire';
import { ClustrixError } from '../errors.js';
import { callContext, currentCallContext, mergeCallOptions, type CallCollector } from '../exec/call/call-context.js';
import { deferred, type Deferred } from '../util/deferred.js';
import { JobHandle } from '../exec/run/job-handle.js';
import { Batch, type BatchControl, type MapProgress } from './map-batch.js';
import { progressBar, wantsProgressBar } from './progress-bar.js';
import { CallRun } from '../exec/run/call-run.js';
import { runForKey } from '../exec/call/call-key.js';
import { prepareCall, validateCallOptions } from '../exec/call/prepare.js';
import type { PreparedCall } from '../exec/run/prepared-call.js';
import { arrayLimitOf } from '../exec/run/resolve-run.js';
import type { CallOptions } from '../options.js';
import type { CallInfo } from '../runtime/decorator.js';
import { newJobId } from '../util/ids.js';

export type { MapProgress } from './map-batch.js';
export { Batch } from './map-batch.js';

export interface MapOptions extends CallOptions {
  /** At most this many items run at once (an array job's `%K`). */
  concurrency?: number;
  /** Called each time an item finishes. */
  onProgress?: (progress: MapProgress) => void;
  /** Draw a progress bar on stderr. Default: when stderr is a terminal (and CLUSTRIX_NO_PROGRESS is unset). */
  progress?: boolean;
}

/** A job the map submitted, and the input index of each of its items. */
interface SubmittedGroup {
  run: CallRun;
  indices: number[];
}

interface Collected {
  index: number;
  info: CallInfo;
  options: CallOptions;
  result: Deferred<unknown>;
}

export function map<I, R>(items: Iterable<I> | ArrayLike<I>, fn: (item: I, index: number) => Promise<R>, options: MapOptions = {}): Batch<R> {
  const { concurrency, onProgress: userProgress, progress, ...callOptions } = options;
  validateCallOptions(callOptions, 'map() options');
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new ClustrixError(`map(): concurrency must be a positive integer, got ${String(concurrency)}`, { scope: 'config' });
  }
  const list = Array.from(items as Iterable<I>);
  const bar = wantsProgressBar(progress, list.length) ? progressBar(list.length, 'clustrix map') : undefined;
  const onProgress = bar ? (p: MapProgress) => (bar(p), userProgress?.(p)) : userProgress;
  const merged = mergeCallOptions(currentCallContext()?.options, callOptions);
  const collected: Collected[] = [];
  let collecting = true;
  const collector: CallCollector = {
    add(info, opts) {
      const index = currentCallContext()?.itemIndex;
      if (!collecting || index === undefined || collected.some((c) => c.index === index)) return undefined;
      const result = deferred<unknown>();
      collected.push({ index, info, options: opts, result });
      return result.promise;
    },
  };
  const promises = list.map((item, index) =>
    callContext.run({ options: merged, collector, itemIndex: index }, () => {
      try {
        return Promise.resolve(fn(item, index));
      } catch (err) {
        return Promise.reject(err);
      }
    }),
  );
  collecting = false;
  const runs: SubmittedGroup[] = [];
  const started = submitCollected(collected, concurrency, merged.key, (run, indices) => {
    // in input order (parts attached by key come back in any order)
    runs.push({ run, indices });
    runs.sort((a, b) => a.indices[0]! - b.indices[0]!);
  });
  return new Batch(promises, batchControl(runs, started, list.length), onProgress);
}

/** What a map's Batch asks of its jobs: `runs` fills in (input order) as `started` creates them. */
function batchControl(runs: readonly SubmittedGroup[], started: Promise<void>, size: number): BatchControl {
  return {
    cancel: async () => {
      await started;
      await Promise.all(runs.map((r) => r.run.cancel()));
    },
    jobs: () => runs.map((r) => new JobHandle(r.run)),
    submitted: async () => {
      await started;
      const handles = runs.map((r) => new JobHandle(r.run));
      await Promise.all(handles.map((h) => h.submitted()));
      return handles;
    },
    usage: async () => {
      await started;
      const used = new Array<JobUsage | undefined>(size).fill(undefined);
      await Promise.all(runs.flatMap(({ run, indices }) => indices.map(async (item, i) => void (used[item] = await run.usage(i)))));
      return used;
    },
  };
}

/**
 * Group the collected calls by class+method, and submit each group as one array job — several when the
 * group is larger than the cluster's array limit (`maxArrayItems`: the profile's, else what the scheduler
 * says). With a `key`, a job that was submitted before under that key (this script run again) is attached instead.
 */
async function submitCollected(collected: Collected[], concurrency: number | undefined, key: string | undefined, onRun: (run: CallRun, indices: number[]) => void): Promise<void> {
  const groups = new Map<unknown, Map<string, Collected[]>>();
  for (const c of collected) {
    const byMethod = groups.get(c.info.cls) ?? new Map<string, Collected[]>();
    groups.set(c.info.cls, byMethod);
    const list = byMethod.get(c.info.method) ?? [];
    byMethod.set(c.info.method, list);
    list.push(c);
  }
  const all = [...groups.values()].flatMap((byMethod) => [...byMethod.values()]);
  const starts: Promise<void>[] = [];
  for (const group of all) {
    let prepared;
    try {
      prepared = group.map((c) => prepareCall(c.info, c.options, `items[${c.index}].`));
    } catch (err) {
      for (const c of group) c.result.reject(err);
      continue;
    }
    const { info } = group[0]!;
    const groupKey = key === undefined ? undefined : all.length > 1 ? `${key}#${info.cls.name}.${info.method}` : key;
    const size = group.length > 1 ? ((await arrayLimitOf(prepared[0]!)) ?? group.length) : group.length;
    for (let start = 0, part = 0; start < group.length; start += size, part++) {
      const partKey = groupKey === undefined || size >= group.length ? groupKey : `${groupKey}#part${part}`;
      starts.push(submitPart(group.slice(start, start + size), prepared.slice(start, start + size), { concurrency, key: partKey, onRun }));
    }
  }
  await Promise.all(starts);
}

/** One array job of a group's items (attached instead when `key` names one already). */
async function submitPart(
  items: Collected[],
  prepared: PreparedCall[],
  how: { concurrency: number | undefined; key: string | undefined; onRun: (run: CallRun, indices: number[]) => void },
): Promise<void> {
  const signal = items[0]!.options.signal;
  const options = { array: true, ...(how.concurrency ? { concurrency: how.concurrency } : {}), ...(signal ? { signal } : {}) };
  const wire = (run: CallRun) => {
    how.onRun(run, items.map((c) => c.index));
    run.items.forEach((d, i) => d.promise.then(items[i]!.result.resolve, items[i]!.result.reject));
    if (run.items.length !== items.length) {
      const err = new ClustrixError(`key '${how.key}' names a job of ${run.items.length} items, not ${items.length}; give this map another key`, { scope: 'registry' });
      for (const c of items) c.result.reject(err);
    }
  };
  if (how.key === undefined) return wire(new CallRun(prepared, { jobId: newJobId(), ...options }));
  await runForKey(how.key, prepared, options).then(wire, (err: unknown) => {
    for (const c of items) c.result.reject(err);
  });
}
