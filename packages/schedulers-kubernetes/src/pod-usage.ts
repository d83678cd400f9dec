/**
 * What an ended pod used, as its status tells (pure): the wall time of its main container (terminated
 * startedAt → finishedAt) and the CPUs and GPUs its limits gave it. CPU time and peak memory are not in a
 * pod's status (they need the metrics API, which forgets a pod once it ends): the runner's own figures
 * fill those in (core merges both; see core's usage-ledger).
 */
import type { JobUsage, UsageReport } from '@clustrix/core/scheduler';
import { CONTAINER_NAME } from './manifest.js';
import { podIndex, type PodLike } from './pod-state.js';

const time = (v: unknown): number | undefined => {
  const t = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? t : undefined;
};

/** A whole count from a quantity (`"2"`, `"2000m"`); undefined for a fraction or anything else. */
function wholeCount(quantity: string | undefined): number | undefined {
  if (quantity === undefined) return undefined;
  const m = /^(\d+)(m?)$/.exec(quantity.trim());
  if (!m) return undefined;
  const n = m[2] ? Number(m[1]) / 1000 : Number(m[1]);
  return Number.isInteger(n) ? n : undefined;
}

/** The pod's figures, or undefined while its main container has not ended. */
export function podUsage(pod: PodLike, gpuResource: string): (JobUsage & { finishedAt: number }) | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  const ended = (statuses.find((c) => c.name === CONTAINER_NAME) ?? statuses[0])?.state?.terminated;
  const start = time(ended?.startedAt);
  const finish = time(ended?.finishedAt);
  if (start === undefined || finish === undefined) return undefined;
  const limits = (pod.spec?.containers?.find((c) => c.name === CONTAINER_NAME) ?? pod.spec?.containers?.[0])?.resources?.limits ?? {};
  const cpus = wholeCount(limits.cpu);
  const gpus = wholeCount(limits[gpuResource]);
  return { elapsedMs: Math.max(0, finish - start), ...(cpus ? { cpus } : {}), ...(gpus ? { gpus } : {}), source: 'kubernetes', finishedAt: finish };
}

/** One report for a run's pods: the last ended pod of each index (a retried index has several). */
export function runUsage(pods: Iterable<PodLike>, isArray: boolean, gpuResource: string): UsageReport | undefined {
  const last = new Map<number, JobUsage & { finishedAt: number }>();
  for (const pod of pods) {
    const used = podUsage(pod, gpuResource);
    const index = podIndex(pod);
    if (used && (last.get(index)?.finishedAt ?? -Infinity) <= used.finishedAt) last.set(index, used);
  }
  if (!last.size) return undefined;
  const tasks = new Map([...last].map(([i, { finishedAt: _, ...u }]) => [i, u] as const));
  return isArray ? { tasks } : tasks.has(0) ? { job: tasks.get(0)! } : undefined;
}
