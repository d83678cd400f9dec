/**
 * SGE's words for a job's state: the letters qstat prints (sge_status(5): `qw`, `hqw`, `r`, `Eqw`,
 * `dr`...) and the `failed` codes qacct prints for a finished job.
 */
import type { JobState } from '@clustrix/core/scheduler';

/** qstat's state letters → Clustrix state. */
export function mapSgeState(letters: string): JobState {
  const s = letters.trim();
  if (!s) return 'unknown';
  if (s.includes('E')) return 'failed'; // Eqw, Ehqw, EhRqw: SGE could not start it and will not retry on its own
  if (/[qw]/.test(s)) return 'pending'; // qw, hqw, hRwq, Rq
  if (/[rtsSTRd]/.test(s)) return 'running'; // r, t, Rr, Rt, hr, s, S, T (suspended), dr, dt (being deleted)
  if (s.includes('h')) return 'pending';
  return 'unknown';
}

/** Why a job is in its qstat state, when the letters say more than pending/running. */
export function describeSgeState(letters: string, id: string): string | undefined {
  if (letters.includes('E')) {
    return `SGE put the job in error state (${letters}) and will not start it; \`qstat -j ${id}\` says why, \`qdel ${id}\` removes it`;
  }
  if (letters.includes('d')) return 'being deleted';
  if (letters.includes('h')) return `on hold (\`qrls ${id}\` releases it)`;
  if (/[sST]/.test(letters)) return 'suspended';
  return undefined;
}

/** qacct's `failed` codes (sge_status(5)) that mean something other than "the job could not start". */
export const FAILED = {
  none: 0,
  /** 17 "through signal": killed by a signal, possibly qdel. */
  signal: 17,
  /** 37 "qmaster enforced h_rt, h_cpu, or h_vmem limit". */
  limit: 37,
  /** 100 "assumedly after job": deleted with qdel while running (or killed). */
  afterJob: 100,
} as const;

/** 18-21: the shepherd died or lost the job: a node-side failure. 24/25: checkpoint migration / rescheduling. */
export function mapFailedCode(code: number): JobState {
  if (code === FAILED.none) return 'completed';
  if (code === FAILED.signal || code === FAILED.afterJob) return 'cancelled';
  if (code >= 18 && code <= 21) return 'node_fail';
  if (code === 24 || code === 25) return 'pending';
  return 'failed';
}
