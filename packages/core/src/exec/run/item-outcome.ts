/** Reading one item's outcome from the folder of the attempt that ran it. */
import type { AttemptRecord, JobRecord } from '../../registry/record.js';
import { attemptIndices } from '../../registry/record.js';
import type { TaskStatus } from '../../scheduler/contract.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { collectOutcome, type Outcome } from './job-outcome.js';

export interface CollectExtras {
  /** The module defining the job's class (for rebuilding its errors). */
  moduleFile?: string;
  /** The caller's stack frames for item `index`, shown under a remote error's stack. */
  localFrames?: (index: number) => string | undefined;
  /** Results as plain JSON (the CLI). */
  raw?: boolean;
}

/** The status an ended attempt was recorded with (for collecting it again in another process). */
export function storedStatus(a: AttemptRecord): TaskStatus {
  return { state: a.state ?? 'unknown', ...(a.schedulerState ? { schedulerState: a.schedulerState } : {}), ...(a.reason ? { reason: a.reason } : {}) };
}

/** Task `task` of attempt `a`: its result, its error, its checkpoint, or the error its status explains. Never throws. */
export async function collectTask(rt: ClusterRuntime, record: JobRecord, a: AttemptRecord, task: number, status: TaskStatus, extras: CollectExtras): Promise<Outcome> {
  const index = attemptIndices(record, a)[task]!;
  const frames = extras.localFrames?.(index);
  try {
    return await collectOutcome(
      {
        transport: rt.transport,
        scheduler: rt.scheduler.name,
        ref: a.ref!,
        ...(extras.moduleFile ? { moduleFile: extras.moduleFile } : {}),
        ...(frames ? { localFrames: frames } : {}),
        ...(record.options.time !== undefined ? { time: record.options.time } : {}),
        ...(extras.raw ? { raw: true } : {}),
        ...(rt.scheduler.killPatterns ? { killPatterns: rt.scheduler.killPatterns } : {}),
      },
      record.items !== undefined ? task : undefined,
      status,
    );
  } catch (error) {
    return { ok: false, error };
  }
}
