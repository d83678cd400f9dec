/**
 * A job (or array task) that the scheduler put back in its queue after it had started — SLURM
 * requeues a job whose node failed or that a higher-priority partition preempted (JobRequeue=1, the
 * default; `requeue: false` in a SLURM profile turns it off). The scheduler shows it as RUNNING,
 * then PENDING again (SLURM: Reason=BeginTime, Restarts=N), then RUNNING on another node. Nothing
 * is lost — the job runs again in the same folder — but it is worth telling: `onJobEvent` gets a
 * `requeued` event and the record counts it (`clustrix status` shows it).
 */
import type { JobStatus } from './contract.js';

export interface Requeue {
  /** Array task index (in the attempt), or undefined for a single job. */
  task?: number;
  schedulerState?: string;
  reason?: string;
}

/** Remembers what ran, and says which of it went back to pending at the next status. */
export class RequeueTracker {
  private readonly running = new Set<number>();

  /** Requeues seen in `status` since the previous call. */
  see(status: JobStatus): Requeue[] {
    const found: Requeue[] = [];
    const visit = (key: number, st: { state: string; schedulerState?: string; reason?: string }) => {
      if (st.state === 'running') this.running.add(key);
      else if (this.running.delete(key) && st.state === 'pending') {
        found.push({ ...(key >= 0 ? { task: key } : {}), ...(st.schedulerState ? { schedulerState: st.schedulerState } : {}), ...(st.reason ? { reason: st.reason } : {}) });
      }
    };
    if (status.tasks) for (const [t, st] of status.tasks) visit(t, st);
    else visit(-1, status);
    return found;
  }
}
