/**
 * Who submits a job's next attempt: only the record's owner. A process that finds another live owner
 * at work follows the record until that owner submits the attempt (or goes away: then it takes over).
 */
import { hostname } from 'node:os';
import { currentAttempt, type AttemptRecord } from '../../registry/record.js';
import type { JobRegistry } from '../../registry/store.js';
import { logger } from '../../util/debug.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { emitJobEvent } from './events.js';
import type { Outcome } from './job-outcome.js';
import { submitNextAttempt, type NextAttemptPlan } from './next-attempt.js';
import type { Planned } from './retry-policy.js';
import { ownerAtWork, type RecordBook } from './supervisor-record.js';

const log = logger('retry');

const FOLLOW_POLL_MS = 1000;

export interface NextAttemptContext {
  rt: ClusterRuntime;
  registry: JobRegistry;
  book: RecordBook;
  /** The last outcome of every item planned to go again (a resumed item's checkpoint is in it). */
  lastOutcomes: ReadonlyMap<number, Outcome>;
  /** Wait this long, or until the job is cancelled. */
  sleep(ms: number): Promise<void>;
  cancelled(): boolean;
  /** `clustrix cancel` dropped the plan while it waited. */
  onCancelled(): void;
  /** This process submitted the attempt. */
  onAttempt?(attempt: AttemptRecord): void;
}

/** Wait for the plan's time, then submit it — or, when another live process owns the job, follow what it submits. */
export async function nextAttempt(ctx: NextAttemptContext, planned: Planned): Promise<AttemptRecord | undefined> {
  const { book } = ctx;
  const expected = book.record.attempts.length;
  let mine = false;
  await book.persist((r) => {
    if (r.attempts.length !== expected) return false;
    const me = r.owner.pid === process.pid && r.owner.host === hostname();
    if (!me && ownerAtWork(r)) return false;
    r.owner = { pid: process.pid, host: hostname() };
    mine = true;
  });
  if (!mine) return followOwner(ctx, expected);
  const notBefore = book.record.pending ? Date.parse(book.record.pending.notBefore) : Date.now();
  await ctx.sleep(notBefore - Date.now());
  // `clustrix cancel` during the wait drops the plan
  const fresh = await ctx.registry.read(book.record.id).catch(() => undefined);
  if (fresh && (!fresh.pending || fresh.state === 'cancelled')) ctx.onCancelled();
  if (ctx.cancelled()) return undefined;
  const attempt = await submitNextAttempt(ctx.rt, book.record, resumePlan(planned, ctx.lastOutcomes), book.record.command);
  await book.persist((r) => {
    r.attempts.push(attempt);
    delete r.pending;
    r.state = 'pending';
    delete r.reason;
  });
  const { record } = book;
  emitJobEvent({
    type: 'submitted',
    jobId: record.id,
    cluster: record.cluster,
    scheduler: record.scheduler,
    schedulerJobId: attempt.ref!.schedulerJobId,
    attempt: attempt.n,
    ...(attempt.indices ? { items: attempt.indices.length } : {}),
  });
  ctx.onAttempt?.(attempt);
  log('job %s: attempt %d submitted as %s %s', record.id, attempt.n, ctx.rt.scheduler.name, attempt.ref!.schedulerJobId);
  return attempt;
}

/** Resumed items go again with the state their checkpoint() returned; one whose checkpoint file is gone runs again from the start. */
function resumePlan(planned: Planned, lastOutcomes: ReadonlyMap<number, Outcome>): NextAttemptPlan {
  const plan: NextAttemptPlan = { retry: [...planned.retry], resume: new Map() };
  for (const i of planned.resume) {
    const o = lastOutcomes.get(i);
    if (o && !o.ok && o.checkpoint) plan.resume.set(i, o.checkpoint.state);
    else plan.retry.push(i);
  }
  return plan;
}

/** Another process owns the job: wait until it submits the next attempt (or goes away, then take over). */
async function followOwner(ctx: NextAttemptContext, expected: number): Promise<AttemptRecord | undefined> {
  for (;;) {
    await ctx.sleep(FOLLOW_POLL_MS);
    if (ctx.cancelled()) return undefined;
    const r = await ctx.registry.read(ctx.book.record.id);
    if (!r) return undefined;
    ctx.book.record = r;
    if (r.attempts.length > expected) return currentAttempt(r);
    if (!r.pending) return undefined;
    if (!ownerAtWork(r)) return nextAttempt(ctx, { retry: r.pending.retry, resume: r.pending.resume, reasons: [r.pending.reason] });
  }
}
