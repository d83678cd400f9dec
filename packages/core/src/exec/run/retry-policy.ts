/**
 * Which failed items go again, and when. An item is retried (up to `retries` times) when the
 * infrastructure failed it: its node failed, it was preempted, it vanished, or its runner was killed
 * by a signal before writing a result or an error. The method's own exceptions, time limits, memory
 * kills and cancels are not retried unless `retryOn` names them. An item that checkpointed is
 * resumed (up to `checkpoints` times) from the state its checkpoint() returned.
 */
import { CancelledError, JobFailedError, JobLostError, NodeFailError, PreemptedError } from '../../errors.js';
import { DEFAULT_CHECKPOINTS, DEFAULT_RETRY_DELAY_SECONDS, MAX_RETRY_DELAY_SECONDS, type JobOptions } from '../../options.js';
import { parseTime } from '../../resources/parse.js';
import type { Outcome } from './job-outcome.js';

export interface RetryPolicy {
  retries: number;
  retryOn: readonly string[];
  /** Delay before the first retry, seconds. */
  delaySeconds: number;
  /** Resumes from a checkpoint allowed per item (0: checkpointing off). */
  checkpoints: number;
}

export function retryPolicyOf(options: JobOptions): RetryPolicy {
  return {
    retries: options.retries ?? 0,
    retryOn: options.retryOn ?? [],
    delaySeconds: options.retryDelay !== undefined ? parseTime(options.retryDelay)! : DEFAULT_RETRY_DELAY_SECONDS,
    checkpoints: options.checkpoints ?? 0,
  };
}

/** `checkpoints` as the job runs with it: the configured number, or the default when the class defines checkpoint(). */
export function effectiveCheckpoints(options: JobOptions, hasCheckpointMethod: boolean): number {
  if (!hasCheckpointMethod) return 0;
  return options.checkpoints ?? DEFAULT_CHECKPOINTS;
}

/** Why `error` is an infrastructure failure, or undefined when it is not one. */
export function infrastructureFailure(error: unknown): string | undefined {
  if (error instanceof NodeFailError) return 'its node failed';
  if (error instanceof PreemptedError) return 'it was preempted';
  if (error instanceof JobLostError) return 'it vanished without a result';
  if (error instanceof JobFailedError && error.exitCode !== undefined && error.exitCode > 128) {
    return `its runner was killed by signal ${error.exitCode - 128} before writing a result`;
  }
  return undefined;
}

/** The names an error answers to in `retryOn`: its name, its class and parents, its `code` (a RemoteError's: the original's, `remoteCode`). */
function namesOf(error: unknown): Set<string> {
  const names = new Set<string>();
  if (typeof error !== 'object' || error === null) return names;
  const e = error as { name?: unknown; code?: unknown; remoteCode?: unknown };
  if (typeof e.name === 'string') names.add(e.name);
  for (const code of [e.code, e.remoteCode]) if (typeof code === 'string' || typeof code === 'number') names.add(String(code));
  for (let p = Object.getPrototypeOf(error) as { constructor?: { name?: string } } | null; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (p.constructor?.name) names.add(p.constructor.name);
  }
  return names;
}

export function matchesRetryOn(error: unknown, retryOn: readonly string[]): boolean {
  if (!retryOn.length) return false;
  const names = namesOf(error);
  if (retryOn.includes('*') && !(error instanceof CancelledError)) return true;
  return retryOn.some((n) => names.has(n));
}

export type Verdict = { kind: 'final' } | { kind: 'retry'; reason: string } | { kind: 'resume' };

export interface ItemHistory {
  retries: number;
  resumes: number;
}

/** What to do with an item's outcome. `cancelled`: the caller cancelled, nothing goes again. */
export function classify(outcome: Outcome, history: ItemHistory, policy: RetryPolicy, cancelled = false): Verdict {
  if (outcome.ok || cancelled) return { kind: 'final' };
  if (outcome.checkpoint) return history.resumes < policy.checkpoints ? { kind: 'resume' } : { kind: 'final' };
  if (history.retries >= policy.retries) return { kind: 'final' };
  const infra = infrastructureFailure(outcome.error);
  if (infra) return { kind: 'retry', reason: infra };
  if (matchesRetryOn(outcome.error, policy.retryOn)) {
    const name = (outcome.error as { name?: string })?.name ?? 'error';
    return { kind: 'retry', reason: `it failed with ${name}, which \`retryOn\` lists` };
  }
  return { kind: 'final' };
}

/** Wait before retry number `n` (1-based): the delay doubled each time, capped, plus up to 10% jitter. */
export function backoffMs(n: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = Math.min(MAX_RETRY_DELAY_SECONDS, policy.delaySeconds * 2 ** Math.max(0, n - 1)) * 1000;
  return Math.round(base * (1 + 0.1 * random()));
}

/** What goes again after an attempt: items retried (and why), items resumed from their checkpoint. */
export interface Planned {
  retry: number[];
  resume: number[];
  reasons: string[];
}

/** The plan in words, for the record and the log: `retrying items 1, 2 because ...; resuming the job from its checkpoint`. */
export function describePlan(p: Planned, isArray: boolean): string {
  const parts: string[] = [];
  const what = (list: number[]) => (isArray ? `item${list.length > 1 ? 's' : ''} ${list.slice(0, 10).join(', ')}${list.length > 10 ? ', ...' : ''}` : 'the job');
  if (p.retry.length) parts.push(`retrying ${what(p.retry)} because ${p.reasons.join('; ')}`);
  if (p.resume.length) parts.push(`resuming ${what(p.resume)} from ${p.resume.length > 1 ? 'their checkpoints' : 'its checkpoint'}`);
  return parts.join('; ');
}
