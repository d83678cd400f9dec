/**
 * One pod's or one Job's JSON → core's states and reasons (pure; tested on captured shapes).
 *
 *   pod Succeeded                                → completed
 *   container terminated OOMKilled              → out_of_memory
 *   pod Failed, reason DeadlineExceeded         → timeout          (each pod's activeDeadlineSeconds)
 *   pod Failed, reason Evicted                  → node_fail        (node pressure; message kept)
 *   DisruptionTarget PreemptionByScheduler /
 *     EvictionByEvictionAPI                     → preempted
 *   pod Failed otherwise                        → failed, with the container's exit code
 *   waiting ErrImagePull / ImagePullBackOff /
 *     InvalidImageName / ErrImageNeverPull / CreateContainerConfigError → failed at once (fatal)
 *   PodScheduled=False Unschedulable            → pending, reason = the scheduler's message
 *   Job condition Failed DeadlineExceeded       → timeout          (the Job's activeDeadlineSeconds)
 *   Job condition Failed BackoffLimitExceeded / FailedIndexes / ... → failed
 */
import type { JobState, TaskStatus } from '@clustrix/core/scheduler';
import { ANNOTATION_COMPLETION_INDEX, CONTAINER_NAME } from './manifest.js';

/** The few fields of a Pod this scheduler reads (list results and watch events alike). */
export interface PodLike {
  metadata?: { name?: string; uid?: string; annotations?: Record<string, string>; labels?: Record<string, string>; deletionTimestamp?: unknown; creationTimestamp?: unknown };
  spec?: { containers?: Array<{ name?: string; resources?: { limits?: Record<string, string> } }> };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }>;
    containerStatuses?: Array<{
      name?: string;
      state?: {
        waiting?: { reason?: string; message?: string };
        running?: { startedAt?: unknown };
        terminated?: { exitCode?: number; signal?: number; reason?: string; message?: string; startedAt?: unknown; finishedAt?: unknown };
      };
    }>;
  };
}

export interface JobLike {
  metadata?: { name?: string; uid?: string; deletionTimestamp?: unknown };
  status?: { conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }> };
}

export interface PodTask extends TaskStatus {
  /** The pod has ended (its log can be read). */
  ended: boolean;
  /** A failure that will not heal (bad image...): end the run now. */
  fatal?: boolean;
}

/** Waiting reasons that do not heal by waiting. (CreateContainerError is left out: on a busy node it often does.) */
const FATAL_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError']);
/** Terminated reasons of a container that could not start its command. */
const START_FAILURES = new Set(['StartError', 'ContainerCannotRun']);
const IMAGE_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

/** The array index of a pod of an Indexed Job (0 for a plain Job's pod). */
export function podIndex(pod: PodLike): number {
  const raw = pod.metadata?.annotations?.[ANNOTATION_COMPLETION_INDEX] ?? pod.metadata?.labels?.[ANNOTATION_COMPLETION_INDEX];
  const n = raw === undefined ? 0 : Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

function mainContainer(pod: PodLike) {
  const all = pod.status?.containerStatuses ?? [];
  return all.find((c) => c.name === CONTAINER_NAME) ?? all[0];
}

function condition(pod: PodLike, type: string) {
  return pod.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

function memoryLimit(pod: PodLike): string | undefined {
  const c = pod.spec?.containers?.find((x) => x.name === CONTAINER_NAME) ?? pod.spec?.containers?.[0];
  return c?.resources?.limits?.memory;
}

function withWhy(reason: string, message: string | undefined): string {
  return message ? `${reason}: ${message}` : reason;
}

export function podTask(pod: PodLike): PodTask {
  const phase = pod.status?.phase ?? 'Pending';
  const container = mainContainer(pod);
  const terminated = container?.state?.terminated;
  const exit = terminated?.exitCode !== undefined ? { exitCode: terminated.exitCode } : {};
  if (phase === 'Succeeded') return { state: 'completed', schedulerState: 'Succeeded', ended: true, ...exit };
  if (phase === 'Failed') {
    if (terminated?.reason === 'OOMKilled') {
      const limit = memoryLimit(pod);
      return {
        state: 'out_of_memory',
        schedulerState: 'OOMKilled',
        reason: `OOMKilled: the container used more than its memory limit${limit ? ` of ${limit}` : ''}`,
        ended: true,
        ...exit,
      };
    }
    const disruption = condition(pod, 'DisruptionTarget');
    const podReason = pod.status?.reason;
    if (podReason === 'DeadlineExceeded') return { state: 'timeout', schedulerState: 'DeadlineExceeded', reason: withWhy('DeadlineExceeded', pod.status?.message), ended: true, ...exit };
    if (podReason === 'Evicted') return { state: 'node_fail', schedulerState: 'Evicted', reason: withWhy('Evicted', pod.status?.message), ended: true, ...exit };
    if (disruption?.reason === 'PreemptionByScheduler' || disruption?.reason === 'EvictionByEvictionAPI') {
      return { state: 'preempted', schedulerState: disruption.reason, reason: withWhy(disruption.reason, disruption.message), ended: true, ...exit };
    }
    if (disruption) return { state: 'node_fail', schedulerState: disruption.reason ?? 'DisruptionTarget', reason: withWhy(disruption.reason ?? 'DisruptionTarget', disruption.message), ended: true, ...exit };
    const why = terminated?.reason ?? podReason ?? 'Failed';
    const message = terminated?.message ?? pod.status?.message;
    const hint = START_FAILURES.has(why) ? '. The image must have Node >= 20 on its PATH: check `image` and `nodePath`' : '';
    return { state: 'failed', schedulerState: why, ended: true, ...(message || hint ? { reason: `${withWhy(why, message)}${hint}` } : {}), ...exit };
  }
  const waiting = container?.state?.waiting;
  if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
    const hint = IMAGE_REASONS.has(waiting.reason)
      ? '. Check the `image` option (and `imagePullSecrets` for a private registry)'
      : '. Check the pod spec (kubectl describe pod ' + (pod.metadata?.name ?? '') + ')';
    return { state: 'failed', schedulerState: waiting.reason, reason: `${withWhy(waiting.reason, waiting.message)}${hint}`, ended: false, fatal: true };
  }
  if (phase === 'Running' || container?.state?.running) {
    return { state: 'running', schedulerState: pod.metadata?.deletionTimestamp ? 'Terminating' : 'Running', ended: false };
  }
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return { state: 'pending', schedulerState: 'Unschedulable', reason: withWhy('Unschedulable', scheduled.message), ended: false };
  }
  return { state: 'pending', schedulerState: waiting?.reason ?? phase, ended: false };
}

/** A Job's terminal condition (Failed, FailureTarget, Complete), if any. */
export function jobEnd(job: JobLike): { state: JobState; schedulerState: string; reason: string } | undefined {
  const conds = job.status?.conditions ?? [];
  const failed = conds.find((c) => (c.type === 'Failed' || c.type === 'FailureTarget') && c.status === 'True');
  if (failed) {
    const why = failed.reason ?? 'Failed';
    return { state: why === 'DeadlineExceeded' ? 'timeout' : 'failed', schedulerState: why, reason: withWhy(why, failed.message) };
  }
  const complete = conds.find((c) => (c.type === 'Complete' || c.type === 'SuccessCriteriaMet') && c.status === 'True');
  if (complete) return { state: 'completed', schedulerState: 'Complete', reason: withWhy(complete.reason ?? 'Complete', complete.message) };
  return undefined;
}
