import type { JobState, TaskStatus } from './contract.js';

const ORDER: JobState[] = ['running', 'pending', 'unknown', 'cancelled', 'timeout', 'out_of_memory', 'node_fail', 'preempted', 'lost', 'failed', 'completed'];

/** The state of a whole job from its tasks: running while any runs; otherwise the worst end. */
export function aggregateTaskStatus(tasks: TaskStatus[]): TaskStatus {
  if (tasks.length === 1) return tasks[0]!;
  for (const s of ORDER) {
    const hit = tasks.find((t) => t.state === s);
    if (hit) return s === 'completed' ? { state: 'completed' } : { state: s, ...(hit.reason ? { reason: hit.reason } : {}) };
  }
  return { state: 'unknown' };
}

