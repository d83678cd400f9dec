/**
 * A batch scheduler (SLURM, PBS, SGE) built from its dialect. Core owns the I/O: the job script is
 * written into the job folder, the submit command runs through the transport, and each status
 * cycle is ONE remote command that runs the dialect's status commands and reads every job folder's
 * completion markers. The folder says when a job is done and its exit code; the scheduler's state
 * says why a job ended without one (TIMEOUT, OUT_OF_MEMORY, CANCELLED, NODE_FAIL...).
 */
import { z } from 'zod';
import { ClustrixError, SubmitError, TransportError } from '../errors.js';
import { CHECKPOINT_SIGNAL, checkpointLeadSeconds } from '../options.js';
import { normalizeResources } from '../resources/normalize.js';
import type { JobRef, JobStatus, Scheduler, SchedulerContext, SchedulerFactory, SchedulerLimits, StatusOptions, SubmitRequest, UsageReport } from '../scheduler/contract.js';
import type { Transport } from '../transport/contract.js';
import { logger } from '../util/debug.js';
import type { BatchDialect, BatchJobSpec, SchedulerReport } from './dialect.js';
import { DEFAULT_EXPLAIN_GRACE_MS, explainedReport, SignalExits, standIn, vanishedJobs } from './explain.js';
import { CANCEL_MARKER, parseRoundTrip, roundTripScript, type RoundTripResult } from './round-trip.js';
import { asCancelled, GuessedEnds, mergeBatchStatus, type SignalExitReader } from './status-merge.js';
import { argvToShell, quoteWord } from '../transport/shell-quote.js';
import { UsageQueries } from './usage.js';
import { readLimits } from './limits.js';

export const JOB_SCRIPT = 'job.sh';

/** How often, and how far apart, a submit the dialect says was refused safely is run again. */
const SUBMIT_AGAIN = { times: 30, ms: 2000 };

/** The command an argv runs, past an `env VAR=value` prefix (for messages). */
export function commandName(argv: readonly string[]): string {
  if (argv[0] !== 'env') return argv[0] ?? '';
  return argv.slice(1).find((w) => !w.includes('=') && !w.startsWith('-')) ?? 'env';
}

export class BatchScheduler implements Scheduler {
  readonly name: string;
  readonly supports;
  readonly arrayIndex;
  readonly poll;
  readonly killPatterns;
  /** Status round trips made (for tests and benchmarks). */
  roundTrips = 0;
  /** Extra round trips that asked the dialect to explain vanished jobs (see explain.ts). */
  explainTrips = 0;
  readonly longPoll = true;
  /** Marker files seen per job folder at the last round trip (what a long poll waits to grow). */
  private readonly markersSeen = new Map<string, number>();
  /** The last report per scheduler job id, reused for a cycle whose scheduler commands were skipped. */
  private readonly lastReports = new Map<string, SchedulerReport>();
  /** Ends the scheduler only guessed, held a few round trips for the folder's exit code (status-merge.ts). */
  private readonly guessedEnds = new GuessedEnds();
  /** Scheduler job ids Clustrix cancelled, and when each vanished job was first missed (explain.ts). */
  private readonly cancelled = new Set<string>();
  private readonly vanishedSince = new Map<string, number>();
  /** Signal exits waiting for the scheduler to say why (explain.ts). */
  private readonly signalExits: SignalExits;
  /** What ended jobs used: one query for the jobs that end together (batch/usage.ts). */
  readonly usageQueries: UsageQueries;
  private readonly log;

  constructor(
    readonly dialect: BatchDialect,
    private readonly transport: Transport,
    private readonly profile: Record<string, unknown>,
  ) {
    this.name = dialect.name;
    this.supports = dialect.supports;
    this.arrayIndex = dialect.arrayIndex;
    this.poll = dialect.poll ?? { minMs: 250, maxMs: 30_000 };
    this.killPatterns = dialect.killPatterns;
    this.log = logger(dialect.name);
    this.signalExits = new SignalExits(dialect.name);
    this.usageQueries = new UsageQueries(dialect, transport);
  }

  /** Which variant of the scheduler the dialect speaks, and how that was found (printed by `clustrix doctor`). */
  get variant(): string | undefined {
    return this.dialect.variant;
  }

  /** The job script this scheduler would submit (pure; for tests, docs and `--dry-run`). */
  render(request: SubmitRequest): string {
    return this.dialect.render(this.spec(request));
  }

  private spec(request: SubmitRequest): BatchJobSpec {
    return {
      jobId: request.jobId,
      jobDir: request.jobDir,
      command: request.command,
      ...(request.count !== undefined ? { count: request.count } : {}),
      ...(request.concurrency !== undefined ? { concurrency: request.concurrency } : {}),
      resources: normalizeResources(request.options, this.name),
      ...(request.label ? { label: request.label } : {}),
      profile: this.profile,
      ...(checkpointLeadSeconds(request.options) !== undefined ? { signalBeforeEnd: { signal: CHECKPOINT_SIGNAL, seconds: checkpointLeadSeconds(request.options)! } } : {}),
    };
  }

  async submit(request: SubmitRequest): Promise<JobRef> {
    const spec = this.spec(request);
    const script = this.dialect.render(spec);
    await this.transport.writeFiles(request.jobDir, { [JOB_SCRIPT]: script }, { mode: 0o700 });
    const argv = this.dialect.submitArgv(`${request.jobDir}/${JOB_SCRIPT}`, spec);
    let out = await this.transport.exec(argv);
    for (let n = 1; out.code !== 0 && n <= SUBMIT_AGAIN.times && this.dialect.submitRefusedSafely?.(out); n++) {
      this.log('%s refused job %s without submitting it (%s): again in %d ms (%d/%d)', commandName(argv), request.jobId, (out.stderr || out.stdout).trim().split('\n').pop(), SUBMIT_AGAIN.ms, n, SUBMIT_AGAIN.times);
      await new Promise((r) => setTimeout(r, SUBMIT_AGAIN.ms));
      out = await this.transport.exec(argv);
    }
    if (out.code !== 0) {
      throw new SubmitError(`${commandName(argv)} refused job ${request.jobId} (exit code ${out.code}): ${(out.stderr || out.stdout).trim()}`, {
        scope: this.name,
        jobId: request.jobId,
        exitCode: out.code,
      });
    }
    let id: string;
    try {
      id = this.dialect.parseJobId(out.stdout);
    } catch (err) {
      throw new SubmitError(`cannot read a job id from ${argv[0]}'s output ${JSON.stringify(out.stdout.trim())}: ${(err as Error).message}`, {
        scope: this.name,
        jobId: request.jobId,
        cause: err,
      });
    }
    this.log('submitted %s as %s', request.jobId, id);
    return {
      jobId: request.jobId,
      schedulerJobId: id,
      jobDir: request.jobDir,
      ...(request.count !== undefined ? { count: request.count } : {}),
    };
  }

  async status(refs: readonly JobRef[], options: StatusOptions = {}): Promise<Map<string, JobStatus>> {
    const ids = [...new Set(refs.map((r) => r.schedulerJobId))];
    const commands = ids.length ? this.dialect.statusArgv(ids) : [];
    const dirs = refs.map((r) => r.jobDir);
    const known = dirs.reduce((n, d) => n + (this.markersSeen.get(d) ?? 0), 0);
    // A long poll may skip the scheduler's commands when a job finished (reusing the last reports), but
    // not while a job has no last report: it would read as missing, cycle after cycle, and end `lost`.
    const unreported = ids.some((id) => !this.lastReports.has(id));
    const wait = options.waitMs && !unreported ? { ms: options.waitMs, known } : undefined;
    // The script goes on stdin: with thousands of jobs it is far larger than one argument may be (E2BIG).
    const script = roundTripScript(commands, dirs, wait);
    const out = await this.transport.exec(['sh', '-s'], { stdin: script, ...(options.signal ? { signal: options.signal } : {}) });
    this.roundTrips++;
    const rt = parseRoundTrip(out.stdout, commands.length, dirs);
    for (const [dir, m] of rt.markers) this.markersSeen.set(dir, (m.exitCode !== undefined ? 1 : 0) + m.tasks.size);
    if (this.markersSeen.size > dirs.length * 2 + 100) {
      const current = new Set(dirs);
      for (const d of this.markersSeen.keys()) if (!current.has(d)) this.markersSeen.delete(d);
    }
    if (!rt.complete) {
      throw new TransportError(`the status command was cut short (exit code ${out.code}): ${out.stderr.trim().slice(-500)}`, { scope: this.name });
    }
    const reports = rt.skipped ? new Map<string, SchedulerReport>() : this.dialect.parseStatus(rt.outputs, ids);
    const cancelRequested = (ref: JobRef) => this.cancelled.has(ref.schedulerJobId) || rt.markers.get(ref.jobDir)?.cancelRequested === true;
    if (!rt.skipped && this.dialect.explainArgv) await this.explainVanished(refs, reports, rt.markers, cancelRequested, options.signal);
    if (rt.skipped) {
      for (const id of ids) {
        const last = this.lastReports.get(id);
        if (last) reports.set(id, last);
      }
    } else {
      this.lastReports.clear();
      for (const [id, r] of reports) this.lastReports.set(id, r);
    }
    const result = new Map<string, JobStatus>();
    for (const ref of refs) {
      const signalExit: SignalExitReader = (task, code, report) =>
        this.signalExits.read(`${ref.schedulerJobId}${task === undefined ? '' : `[${task}]`}`, code, report, cancelRequested(ref), !rt.skipped);
      const report = reports.get(ref.schedulerJobId);
      const held = rt.skipped ? undefined : this.guessedEnds.hold(ref, report, rt.markers.get(ref.jobDir));
      if (held) {
        result.set(ref.jobId, held);
        continue;
      }
      const merged = mergeBatchStatus(ref, report, rt.markers.get(ref.jobDir), signalExit);
      result.set(ref.jobId, cancelRequested(ref) ? asCancelled(merged) : merged);
    }
    this.signalExits.prune(new Set(ids), refs.length * 2 + 100);
    this.guessedEnds.prune(new Set(ids), refs.length * 2 + 100);
    return result;
  }

  /** Ask the dialect about jobs that left the scheduler without an exit-code marker; fill `reports` in. */
  private async explainVanished(
    refs: readonly JobRef[],
    reports: Map<string, SchedulerReport>,
    markers: RoundTripResult['markers'],
    cancelRequested: (ref: JobRef) => boolean,
    signal?: AbortSignal,
  ): Promise<void> {
    const vanished = vanishedJobs(refs, reports, markers);
    const cancelledIds = new Set(refs.filter(cancelRequested).map((r) => r.schedulerJobId));
    const current = new Set(refs.map((r) => r.schedulerJobId));
    for (const id of this.vanishedSince.keys()) if (current.has(id) && !vanished.has(id)) this.vanishedSince.delete(id);
    // status() may be asked about a few jobs only: forget other jobs' entries only when they pile up
    for (const kept of [this.cancelled, this.vanishedSince]) {
      if (kept.size > refs.length * 2 + 100) for (const id of kept.keys()) if (!current.has(id)) kept.delete(id);
    }
    if (!vanished.size) return;
    const ids = [...vanished.keys()];
    const commands = this.dialect.explainArgv!(ids);
    const out = await this.transport.exec(['sh', '-s'], { stdin: roundTripScript(commands, []), ...(signal ? { signal } : {}) });
    this.explainTrips++;
    const rt = parseRoundTrip(out.stdout, commands.length, []);
    const explained = rt.complete && this.dialect.parseExplain ? this.dialect.parseExplain(rt.outputs, ids) : new Map<string, SchedulerReport>();
    const grace = this.dialect.explainGraceMs?.(this.profile) ?? DEFAULT_EXPLAIN_GRACE_MS;
    const now = Date.now();
    for (const [id, tasks] of vanished) {
      const since = this.vanishedSince.get(id) ?? now;
      this.vanishedSince.set(id, since);
      const how = cancelledIds.has(id) ? 'cancelled' : now - since >= grace ? 'lost' : 'waiting';
      this.log('%s left %s without an exit code%s', id, this.name, explained.has(id) ? ': explained' : ` (${how})`);
      reports.set(id, explainedReport(reports.get(id), explained.get(id), tasks, standIn(how, this.name, grace)));
    }
  }

  private limitsRead: Promise<SchedulerLimits> | undefined;

  /** The cluster's limits, read once (batch/limits.ts). */
  limits(): Promise<SchedulerLimits> {
    return (this.limitsRead ??= readLimits(this.dialect, this.transport, this.profile));
  }

  /** What ended jobs used, by Clustrix job id (the dialect's usage commands; nothing when it has none). */
  async usage(refs: readonly JobRef[]): Promise<Map<string, UsageReport>> {
    const bySchedulerId = await this.usageQueries.ask([...new Set(refs.map((r) => r.schedulerJobId))]);
    const out = new Map<string, UsageReport>();
    for (const r of refs) {
      const u = bySchedulerId.get(r.schedulerJobId);
      if (u) out.set(r.jobId, u);
    }
    return out;
  }

  /**
   * Cancel: first mark each job folder (CANCEL_MARKER, so that every process watching the job reads
   * its end as a cancel, not a crash), then run the dialect's cancel command; one remote command.
   */
  async cancel(refs: readonly JobRef[]): Promise<void> {
    if (!refs.length) return;
    for (const r of refs) this.cancelled.add(r.schedulerJobId);
    const argv = this.dialect.cancelArgv(refs.map((r) => r.schedulerJobId));
    const marks = refs.map((r) => `[ -d ${quoteWord(r.jobDir)} ] && printf '1\\n' > ${quoteWord(`${r.jobDir}/${CANCEL_MARKER}`)}`);
    const out = await this.transport.exec(['sh', '-s'], { stdin: `${marks.join('\n')}\n${argvToShell(argv)}\n` });
    if (out.code !== 0) {
      this.log('%s exited %d: %s', argv[0], out.code, out.stderr.trim());
      throw new ClustrixError(`${argv[0]} failed (exit code ${out.code}): ${(out.stderr || out.stdout).trim()}`, {
        scope: this.name,
        jobId: refs[0]!.jobId,
        schedulerJobId: refs[0]!.schedulerJobId,
      });
    }
  }
}

/**
 * A dialect chosen per cluster: from the profile's own keys (validated by `optionsShape`; SLURM's
 * `slurmConf`), or after asking the cluster through `context.transport` (PBS's flavour).
 */
export interface DialectChooser {
  readonly name: string;
  readonly optionsShape?: Record<string, z.ZodType>;
  dialectFor(profile: Record<string, unknown>, context: SchedulerContext): BatchDialect | Promise<BatchDialect>;
}

/** A SchedulerFactory for a dialect, or for a dialect chosen per cluster: what a batch scheduler package exports. */
export function batchSchedulerFactory(dialect: BatchDialect | DialectChooser): SchedulerFactory {
  return {
    name: dialect.name,
    ...(dialect.optionsShape ? { optionsShape: dialect.optionsShape } : {}),
    create: (ctx: SchedulerContext) => {
      const shape = dialect.optionsShape ?? {};
      const own: Record<string, unknown> = {};
      for (const k of Object.keys(shape)) if (ctx.profile[k] !== undefined) own[k] = ctx.profile[k];
      const profile = z.object(shape).partial().parse(own) as Record<string, unknown>;
      if (!('dialectFor' in dialect)) return new BatchScheduler(dialect, ctx.transport, profile);
      return Promise.resolve(dialect.dialectFor(profile, ctx)).then((chosen) => new BatchScheduler(chosen, ctx.transport, profile));
    },
  };
}
