/**
 * checkpoint() across a scheduler requeue. SLURM requeues a job whose node failed or that was
 * preempted (PreemptMode=REQUEUE) and runs the SAME job script again, in the same folder. Before it
 * kills the first run it sends SIGTERM (then SIGKILL after KillWait). A runner whose class defines
 * checkpoint() answers that SIGTERM by writing what checkpoint() returns to `requeue/<task>.json`,
 * then dies of the signal as it would have. A rerun of the job (SLURM_RESTART_COUNT > 0) lays that
 * state over the instance — it continues where it stopped — and renames the file so it is used once.
 * A job that is not rerun (cancelled, timed out) leaves the file unused: nothing reads it.
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { SerializedValue } from './serialize.js';

export const requeueCheckpointFile = (index?: number): string => `requeue/${index ?? 'job'}.json`;

export interface RequeueCheckpoint {
  state: SerializedValue;
  at: string;
  host: string;
}

/** True where a SIGTERM may be followed by a rerun of the same job (SLURM: the job can be requeued). */
export function requeueable(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!env.SLURM_JOB_ID && env.SLURM_JOB_REQUEUE !== '0';
}

/** The state a previous run of this job left at its requeue, once (the file is renamed). */
export async function takeRequeueCheckpoint(jobDir: string, index: number | undefined, env: NodeJS.ProcessEnv = process.env): Promise<RequeueCheckpoint | undefined> {
  const restarts = Number(env.SLURM_RESTART_COUNT ?? 0) || 0;
  if (!restarts) return undefined;
  const path = join(jobDir, requeueCheckpointFile(index));
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  await rename(path, `${path}.used-${restarts}`).catch(() => undefined);
  process.stderr.write(`[clustrix-runner] requeued (restart ${restarts}): resuming from the state checkpoint() saved at the requeue\n`);
  return JSON.parse(text) as RequeueCheckpoint;
}

/**
 * On SIGTERM: call `save` (checkpoint() + write), then die of SIGTERM. Returns the function that
 * removes the handler (call it once the method has finished).
 */
export function onTermCheckpoint(save: () => Promise<void>): () => void {
  let started = false;
  const handler = () => {
    if (started) return;
    started = true;
    void save()
      .catch((err: unknown) => process.stderr.write(`[clustrix-runner] checkpoint() at SIGTERM failed: ${String((err as Error)?.message ?? err)}\n`))
      .finally(() => {
        process.off('SIGTERM', handler);
        process.kill(process.pid, 'SIGTERM');
      });
  };
  process.on('SIGTERM', handler);
  return () => void process.off('SIGTERM', handler);
}
