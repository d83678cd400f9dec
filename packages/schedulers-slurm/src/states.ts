/** Every SLURM job state (squeue %T / sacct State), mapped to a Clustrix state. */
import type { JobState } from '@clustrix/core/scheduler';

export const SLURM_STATES: Readonly<Record<string, JobState>> = {
  PENDING: 'pending',
  CONFIGURING: 'pending',
  REQUEUED: 'pending',
  REQUEUE_HOLD: 'pending',
  REQUEUE_FED: 'pending',
  RESV_DEL_HOLD: 'pending',
  RUNNING: 'running',
  COMPLETING: 'running',
  STAGE_OUT: 'running',
  SIGNALING: 'running',
  RESIZING: 'running',
  SUSPENDED: 'running',
  STOPPED: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  SPECIAL_EXIT: 'failed',
  CANCELLED: 'cancelled',
  REVOKED: 'cancelled',
  TIMEOUT: 'timeout',
  DEADLINE: 'timeout',
  OUT_OF_MEMORY: 'out_of_memory',
  NODE_FAIL: 'node_fail',
  BOOT_FAIL: 'node_fail',
  PREEMPTED: 'preempted',
};

/** Short codes squeue prints with %t. */
export const SLURM_SHORT: Readonly<Record<string, string>> = {
  PD: 'PENDING',
  CF: 'CONFIGURING',
  RQ: 'REQUEUED',
  RH: 'REQUEUE_HOLD',
  RF: 'REQUEUE_FED',
  RD: 'RESV_DEL_HOLD',
  R: 'RUNNING',
  CG: 'COMPLETING',
  SO: 'STAGE_OUT',
  SI: 'SIGNALING',
  RS: 'RESIZING',
  S: 'SUSPENDED',
  ST: 'STOPPED',
  CD: 'COMPLETED',
  F: 'FAILED',
  SE: 'SPECIAL_EXIT',
  CA: 'CANCELLED',
  RV: 'REVOKED',
  TO: 'TIMEOUT',
  DL: 'DEADLINE',
  OOM: 'OUT_OF_MEMORY',
  NF: 'NODE_FAIL',
  BF: 'BOOT_FAIL',
  PR: 'PREEMPTED',
};

/** 'CANCELLED by 1001' → CANCELLED; 'R' → RUNNING. */
export function slurmWord(raw: string): string {
  const word = raw.trim().split(/\s+/)[0]?.replace(/\+$/, '') ?? '';
  return SLURM_SHORT[word] ?? word;
}

export function mapSlurmState(raw: string): JobState {
  return SLURM_STATES[slurmWord(raw)] ?? 'unknown';
}

/** Why the job is in its state, in words, for messages. */
export function describeSlurm(word: string, reason: string | undefined, raw: string): string | undefined {
  const extra = raw.trim().split(/\s+/).slice(1).join(' '); // "by 1001"
  const parts = [extra ? `${word} ${extra}` : undefined, reason && reason !== 'None' ? reason : undefined].filter(Boolean);
  return parts.length ? parts.join('; ') : undefined;
}
