/**
 * The ssh scheduler: each task runs detached on the host in its own session (it survives the
 * connection dropping), its process group recorded in the job folder. At most `concurrency` CPUs
 * (default: the host's CPU count) are in use at once; tasks beyond that wait here, FIFO. One status
 * command per poll cycle reads every outstanding task's markers and exit code; cancel kills the
 * process groups. All remote work goes through the transport core hands over.
 */
import {
  ARRAY_INDEX_ENV,
  ListenerSet,
  SlotQueue,
  SubmitError,
  TransportError,
  aggregateTaskStatus,
  isTerminal,
  parseTime,
  type JobRef,
  type JobStatus,
  type ResourceKey,
  type Scheduler,
  type SubmitRequest,
  type TaskStatus,
  type Transport,
} from '@clustrix/core/scheduler';
import { parseLaunch, parseStatus, taskStatusOf, type HostFacts, type RawTaskState } from './parse.js';
import { buildCancel, buildLaunch, buildStatus, isSafeJobId, taskLines, type TaskKey } from './scripts.js';
import { commandWithNodeOptions, exitCodeFile, setupText, taskKeys, type SshJob, type Task } from './tasks.js';
import { CompletionWaiter } from './waiter.js';

export interface SshSchedulerSettings {
  transport: Transport;
  remoteRoot: string;
  clusterName: string;
  facts: HostFacts;
  /** CPUs in use at once on the host. Default: its CPU count. */
  concurrency?: number;
  /** Seconds between SIGTERM and SIGKILL on cancel. */
  killGraceSeconds?: number;
}

/** A launched task reporting `P` (launched, no pid yet) this long is lost. */
const STARTING_LIMIT_MS = 60_000;
/** A launched task whose markers are gone for this many polls is lost. */
const MISSING_LIMIT = 5;

export class SshScheduler implements Scheduler {
  readonly name = 'ssh';
  readonly supports: ReadonlySet<ResourceKey> = new Set<ResourceKey>(['cpus', 'memory', 'time', 'env', 'jobName', 'setup', 'modules']);
  readonly arrayIndex = { env: ARRAY_INDEX_ENV, base: 0 };
  readonly poll = { minMs: 300, maxMs: 10_000 };
  readonly capacity: number;
  readonly jobsRoot: string;
  /** Status commands run so far (one per poll cycle). */
  statusQueries = 0;
  private readonly jobs = new Map<string, SshJob>();
  private readonly queue: SlotQueue<Task>;
  private pumping: Promise<void> = Promise.resolve();
  private readonly listeners = new ListenerSet();
  readonly waiter: CompletionWaiter;
  private readonly transport: Transport;

  constructor(private readonly settings: SshSchedulerSettings) {
    this.transport = settings.transport;
    this.capacity = settings.concurrency ?? settings.facts.cpus;
    this.queue = new SlotQueue(this.capacity);
    this.jobsRoot = `${settings.remoteRoot}/jobs`;
    this.waiter = new CompletionWaiter(this.transport, () => this.notify());
  }

  /** CPUs in use / tasks waiting for one (tests, progress). */
  get load(): { used: number; queued: number } {
    return { used: this.queue.used, queued: this.queue.queued };
  }

  async submit(request: SubmitRequest): Promise<JobRef> {
    const host = this.transport.host;
    if (!isSafeJobId(request.jobId) || request.jobDir !== `${this.jobsRoot}/${request.jobId}`) {
      throw new SubmitError(`job folder ${request.jobDir} is not <remoteRoot>/jobs/<jobId> (${this.jobsRoot}/...); the ssh scheduler finds jobs there`, {
        scope: 'ssh',
        jobId: request.jobId,
      });
    }
    const cpus = request.options.cpus ?? 1;
    if (cpus > this.capacity) {
      throw new SubmitError(
        `the job asks for cpus=${cpus} but ${host} runs ${this.capacity} at once (its CPU count, or \`concurrency\`); lower \`cpus\` or raise clusters.${this.settings.clusterName}.concurrency`,
        { scope: 'ssh', jobId: request.jobId },
      );
    }
    const seconds = request.options.time !== undefined ? parseTime(request.options.time) : undefined;
    if (seconds && !this.settings.facts.has.has('timeout')) {
      throw new SubmitError(`\`time\` needs timeout(1) (GNU coreutils) on ${host}, which is not installed there; install it or drop \`time\``, {
        scope: 'ssh',
        jobId: request.jobId,
      });
    }
    const ref: JobRef = {
      jobId: request.jobId,
      schedulerJobId: 'queued',
      jobDir: request.jobDir,
      ...(request.count !== undefined ? { count: request.count } : {}),
      extra: { host },
    };
    const job: SshJob = {
      ref,
      request,
      cpus,
      concurrency: request.concurrency ?? Number.POSITIVE_INFINITY,
      tasks: [],
      ...(seconds ? { seconds } : {}),
      setup: setupText(request.options),
      command: commandWithNodeOptions(request.command, request.options, request.label),
      cancelled: false,
    };
    for (const key of taskKeys(request.count)) {
      const task: Task = { job, key, phase: 'queued', status: this.queuedStatus(), missing: 0 };
      job.tasks.push(task);
      this.queue.enqueue(task);
    }
    this.jobs.set(ref.jobId, job);
    await this.pump();
    const failed = job.tasks.find((t) => t.phase === 'done' && t.status.schedulerState === 'LAUNCH_FAILED');
    if (failed && job.tasks.every((t) => t.phase === 'done')) {
      this.jobs.delete(ref.jobId);
      throw new SubmitError(`cannot start job ${ref.jobId} on ${host}: ${failed.status.reason}`, { scope: 'ssh', jobId: ref.jobId });
    }
    return ref;
  }

  private queuedStatus(): TaskStatus {
    return { state: 'pending', schedulerState: 'QUEUED', reason: `waiting for a free CPU on ${this.transport.host} (${this.queue.used} of ${this.capacity} in use)` };
  }

  private pump(): Promise<void> {
    const run = this.pumping.then(() => this.pumpOnce());
    this.pumping = run.catch(() => undefined);
    return run;
  }

  private async pumpOnce(): Promise<void> {
    const batches = new Map<SshJob, Task[]>();
    for (const task of this.queue.take()) {
      task.phase = 'launching';
      task.status = { state: 'pending', schedulerState: 'STARTING' };
      batches.set(task.job, [...(batches.get(task.job) ?? []), task]);
    }
    if (!batches.size) return;
    await Promise.all([...batches].map(([job, tasks]) => this.launch(job, tasks)));
    this.rearm();
  }

  private async launch(job: SshJob, tasks: Task[]): Promise<void> {
    let stdout: string;
    try {
      const r = await this.transport.exec(
        buildLaunch({ jobDir: job.ref.jobDir, ...(job.seconds ? { seconds: job.seconds } : {}), setup: job.setup, keys: tasks.map((t) => t.key), command: job.command }),
      );
      if (r.code !== 0) {
        for (const t of tasks) this.finish(t, { state: 'failed', schedulerState: 'LAUNCH_FAILED', reason: r.stderr.trim() || `the launch command exited with ${r.code}` });
        return;
      }
      stdout = r.stdout;
    } catch (err) {
      // The connection dropped: launching is idempotent (a marker per task), so try again later.
      this.queue.putBack(tasks);
      for (const t of tasks) {
        t.phase = 'queued';
        t.status = this.queuedStatus();
      }
      if (!(err instanceof TransportError)) throw err;
      return;
    }
    const parsed = parseLaunch(stdout);
    for (const t of tasks) {
      const k = String(t.key);
      const pid = parsed.started.get(k);
      if (parsed.cancelled) this.finish(t, { state: 'cancelled', schedulerState: 'CANCELLED', reason: 'cancelled before it started' });
      else if (pid !== undefined || parsed.again.includes(k)) {
        t.phase = 'launched';
        t.startingSince = Date.now();
        if (pid !== undefined) {
          t.pid = pid;
          t.status = { state: 'running', schedulerState: 'RUNNING' };
          (job.ref.extra ??= {})[`pgid.${k}`] = pid;
          if (t.key === 'job') job.ref.schedulerJobId = String(pid);
        }
      } else this.finish(t, { state: 'failed', schedulerState: 'LAUNCH_FAILED', reason: `the launch command did not start task ${k}: ${stdout.trim() || 'no output'}` });
    }
    if (job.ref.count !== undefined && job.ref.schedulerJobId === 'queued') job.ref.schedulerJobId = `array:${job.ref.jobId}`;
  }

  private finish(t: Task, status: TaskStatus): void {
    this.queue.release(t);
    t.phase = 'done';
    t.status = status;
  }

  private rearm(): void {
    if (!this.listeners.size) return this.waiter.stop();
    const files: string[] = [];
    for (const job of this.jobs.values()) for (const t of job.tasks) if (t.phase === 'launched') files.push(exitCodeFile(t));
    this.waiter.watch(files);
  }

  async status(refs: readonly JobRef[]): Promise<Map<string, JobStatus>> {
    if (this.queue.queued) void this.pump().catch(() => undefined);
    const ask: TaskKey[] = [];
    for (const ref of refs) {
      const job = this.jobs.get(ref.jobId);
      if (job) for (const t of job.tasks) if (t.phase === 'launched') ask.push({ jobId: ref.jobId, key: t.key });
      if (!job) for (const key of taskKeys(ref.count)) ask.push({ jobId: ref.jobId, key });
    }
    let raws: RawTaskState[] = [];
    if (ask.length) {
      this.statusQueries++;
      const r = await this.transport.exec(buildStatus(this.jobsRoot), { stdin: taskLines(ask) });
      if (r.code !== 0) throw new TransportError(`the status command failed on ${this.transport.host} (exit ${r.code}): ${r.stderr.trim()}`, { scope: 'ssh' });
      raws = parseStatus(r.stdout);
    }
    const byKey = new Map(raws.map((raw) => [`${raw.jobId} ${raw.key}`, raw]));
    let freed = false;
    const out = new Map<string, JobStatus>();
    for (const ref of refs) {
      const job = this.jobs.get(ref.jobId);
      const tasks = new Map<number, TaskStatus>();
      if (job) {
        for (const t of job.tasks) {
          const raw = t.phase === 'launched' ? byKey.get(`${ref.jobId} ${t.key}`) : undefined;
          if (raw) freed = this.apply(t, raw) || freed;
          if (t.phase === 'queued') t.status = this.queuedStatus();
          tasks.set(t.key === 'job' ? 0 : t.key, t.status);
        }
      } else {
        for (const raw of raws.filter((x) => x.jobId === ref.jobId)) tasks.set(raw.key === 'job' ? 0 : raw.key, taskStatusOf(raw, undefined));
        if (!tasks.size) continue;
      }
      const all = [...tasks.values()];
      out.set(ref.jobId, { ...aggregateTaskStatus(all), ...(ref.count !== undefined ? { tasks } : {}) });
      if (job && job.tasks.every((t) => t.phase === 'done')) this.jobs.delete(ref.jobId);
    }
    if (freed) void this.pump().catch(() => undefined);
    this.rearm();
    return out;
  }

  /** Fold one raw line into a task; true when the task ended (its CPUs are free). */
  private apply(t: Task, raw: RawTaskState): boolean {
    const status = taskStatusOf(raw, t.job.request.options.time);
    if (raw.code === 'N') {
      if (++t.missing >= MISSING_LIMIT) {
        this.finish(t, { state: 'lost', schedulerState: 'LOST', reason: `its markers in ${t.job.ref.jobDir} are gone (was the job folder removed?)` });
        return true;
      }
      return false;
    }
    t.missing = 0;
    if (raw.code === 'P' && Date.now() - (t.startingSince ?? Date.now()) > STARTING_LIMIT_MS) {
      this.finish(t, { state: 'lost', schedulerState: 'LOST', reason: `it was launched but never recorded a process group within ${STARTING_LIMIT_MS / 1000} s` });
      return true;
    }
    if (raw.code === 'R' && raw.value) t.pid = raw.value;
    if (isTerminal(status.state)) {
      this.finish(t, status);
      return true;
    }
    t.status = status;
    return false;
  }

  async cancel(refs: readonly JobRef[]): Promise<void> {
    const kill: TaskKey[] = [];
    for (const ref of refs) {
      const job = this.jobs.get(ref.jobId);
      if (!job) {
        for (const key of taskKeys(ref.count)) kill.push({ jobId: ref.jobId, key });
        continue;
      }
      job.cancelled = true;
      for (const t of job.tasks) {
        if (t.phase === 'queued') {
          this.queue.remove(t);
          this.finish(t, { state: 'cancelled', schedulerState: 'CANCELLED', reason: 'cancelled before it started' });
        } else if (t.phase !== 'done') kill.push({ jobId: ref.jobId, key: t.key });
      }
    }
    if (kill.length) {
      const r = await this.transport.exec(buildCancel(this.jobsRoot, this.settings.killGraceSeconds ?? 5), { stdin: taskLines(kill) });
      if (r.code !== 0) throw new TransportError(`the cancel command failed on ${this.transport.host}: ${r.stderr.trim()}`, { scope: 'ssh' });
    }
    this.notify();
  }

  subscribe(listener: () => void): () => void {
    const remove = this.listeners.add(listener);
    this.rearm();
    return () => {
      remove();
      if (!this.listeners.size) this.waiter.stop();
    };
  }

  private notify(): void {
    this.listeners.emit();
  }

  async close(): Promise<void> {
    this.waiter.close();
  }
}
