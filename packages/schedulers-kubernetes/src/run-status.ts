/**
 * One run's state from what its watches hold (pure: the Job, its pods, and which pod logs have
 * been read → core's JobStatus). An array task is settled — frozen — once its pod has ended AND its
 * log has been read (so collect finds the result), or when the run ends around it (deadline,
 * cancel, a fatal image error); pods that vanish later do not change it.
 */
import { aggregateTaskStatus, type JobStatus, type TaskStatus } from '@clustrix/core/scheduler';
import type { DoneFrame } from './frames.js';
import { jobEnd, podIndex, podTask, type JobLike, type PodLike } from './pod-state.js';

export interface HarvestResult {
  /** The pod entry's closing frame, when the log held it. */
  done?: DoneFrame;
  /** Why the results could not be read back, if they could not. */
  problem?: string;
}

export interface RunSnapshot {
  /** Items of an array run; undefined for a single call. */
  count?: number;
  jobName: string;
  job?: JobLike;
  /** Both watches have listed once. */
  synced: boolean;
  /** The Job was seen, then deleted. */
  jobDeleted: boolean;
  pods: PodLike[];
  harvests: ReadonlyMap<string, HarvestResult>;
  /** Settled tasks by index; computeRun adds to it. */
  settled: Map<number, TaskStatus>;
  cancelled: boolean;
  /** The Job ended (or was deleted) a moment ago or more: its word settles items without a pod. */
  settleAfterEnd: boolean;
  /** The first fatal pod state seen (bad image...). */
  fatal?: TaskStatus;
}

export interface RunView {
  status: JobStatus;
  /** The Job has ended or is gone (start the settle-after-end clock). */
  ended: boolean;
  /** Ended pods whose log has not been read yet. */
  toHarvest: PodLike[];
  /** A fatal pod state seen now. */
  fatal?: TaskStatus;
}

function created(p: PodLike): number {
  const t = p.metadata?.creationTimestamp;
  return t ? new Date(t as string | Date).getTime() : 0;
}

/** The outcome of an ended pod whose log was read. */
export function endedTask(pod: PodLike, harvest: HarvestResult): TaskStatus {
  const { ended: _e, fatal: _f, ...task } = podTask(pod);
  const done = harvest.done;
  if (done) task.exitCode = done.exitCode;
  if (done?.oomKilled && task.state !== 'out_of_memory') {
    return { ...task, state: 'out_of_memory', schedulerState: 'OOMKilled', reason: 'OOMKilled: the kernel killed the method inside the container (memory limit reached)' };
  }
  if (harvest.problem && task.state === 'completed') return { ...task, reason: harvest.problem };
  return task;
}

export function computeRun(s: RunSnapshot): RunView {
  const n = s.count ?? 1;
  const byIndex = new Map<number, PodLike[]>();
  for (const pod of s.pods) {
    const i = s.count === undefined ? 0 : podIndex(pod);
    if (i >= n) continue;
    const list = byIndex.get(i) ?? [];
    list.push(pod);
    byIndex.set(i, list);
  }
  const end = s.job ? jobEnd(s.job) : undefined;
  const toHarvest: PodLike[] = [];
  let fatal: TaskStatus | undefined;
  for (const pod of s.pods) {
    const t = podTask(pod);
    if (t.fatal) {
      fatal = { state: 'failed', ...(t.schedulerState ? { schedulerState: t.schedulerState } : {}), ...(t.reason ? { reason: t.reason } : {}) };
      break;
    }
  }
  const tasks = new Map<number, TaskStatus>();
  for (let i = 0; i < n; i++) {
    let task = s.settled.get(i);
    if (task) {
      tasks.set(i, task);
      continue;
    }
    const pods = (byIndex.get(i) ?? []).sort((a, b) => created(a) - created(b));
    let live: TaskStatus | undefined;
    let collecting = false;
    for (const pod of pods) {
      const t = podTask(pod);
      if (t.ended) {
        const h = s.harvests.get(pod.metadata?.uid ?? '');
        if (h) task = endedTask(pod, h);
        else {
          toHarvest.push(pod);
          collecting = true;
        }
      } else if (!t.fatal && (!live || t.state === 'running')) {
        const { ended: _e, fatal: _f, ...rest } = t;
        live = rest;
      }
    }
    if (!task && !collecting) {
      const runFatal = s.fatal ?? fatal;
      // The Job's and the pods' watches are separate streams: the Job can say it ended before the
      // pods' last states arrive. Only a deadline ends items at once; otherwise an item follows
      // its pod, and the Job's word is taken once no pod of it is left and `settleAfterEnd` is set.
      const fromEnd = !live && s.settleAfterEnd;
      if (runFatal) task = runFatal;
      else if (s.cancelled) task = { state: 'cancelled', schedulerState: 'Deleted', reason: 'cancelled: the Job and its pods were deleted' };
      else if (end?.state === 'timeout') task = { state: end.state, schedulerState: end.schedulerState, reason: end.reason };
      else if (end && fromEnd) {
        task =
          end.state === 'completed'
            ? { state: 'lost', schedulerState: 'Complete', reason: `the pod of item ${i} was gone before its log could be read` }
            : { state: end.state, schedulerState: end.schedulerState, reason: end.reason };
      } else if (!end && s.jobDeleted && fromEnd) task = { state: 'cancelled', schedulerState: 'Deleted', reason: `the Job ${s.jobName} was deleted outside Clustrix` };
      else if (s.synced && !s.job && !s.jobDeleted) {
        task = { state: 'lost', schedulerState: 'NotFound', reason: `there is no Job ${s.jobName} (deleted after ttlSecondsAfterFinished, or by someone else) and no result was read` };
      }
    }
    if (task) {
      s.settled.set(i, task);
      tasks.set(i, task);
    } else {
      tasks.set(i, collecting ? { state: 'running', schedulerState: 'Ended' } : live ?? { state: 'pending', schedulerState: s.job ? 'Waiting' : 'Submitted' });
    }
  }
  const status: JobStatus =
    s.count === undefined ? { ...tasks.get(0)! } : { ...aggregateTaskStatus([...tasks.values()]), tasks };
  return { status, ended: end !== undefined || s.jobDeleted, toHarvest, ...(fatal ? { fatal } : {}) };
}
