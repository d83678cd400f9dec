/**
 * The local scheduler (the default): each call runs as a child `node` process through the runner,
 * from a job folder on disk — the same bundle and serialization path a cluster node uses. A slot
 * queue (slot-queue.ts) caps the CPUs in use (default: the CPU count), honours `time` (SIGTERM, then SIGKILL),
 * sends SIGUSR1 `checkpointLead` before it when the job checkpoints, and cancels by killing the
 * child's process group. Children run in their own process group and outlive this process; their
 * pids are recorded in the job's reference (`extra.pid`, `extra.pids`) so that another process can
 * see them running, and cancel them.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { join } from 'node:path';
import { SubmitError } from '../errors.js';
import { checkpointLeadSeconds, type ResourceKey } from '../options.js';
import { parseTime } from '../resources/parse.js';
import { jobFiles } from '@clustrix/wire';
import type { JobRef, JobState, JobStatus, Scheduler, SchedulerFactory, SubmitRequest, TaskStatus } from './contract.js';
import { logger } from '../util/debug.js';
import { ListenerSet } from '../util/listeners.js';
import { aggregateTaskStatus } from './aggregate.js';
import { killFromFolder, statusFromFolder } from './local-orphans.js';
import { exitCodeOf, killProcessGroup, spawnLocalTask, writeExitCode } from './local-spawn.js';
import { ARRAY_INDEX_ENV, SlotQueue } from './slot-queue.js';

const log = logger('local');

/** The array-index variable's former name here (core's index re-exports it); it lives in slot-queue.ts now. */
const KILL_GRACE_MS = 3000;

interface Task {
  job: LocalJob;
  index: number | undefined;
  state: JobState;
  exitCode?: number;
  reason?: string;
  child?: ChildProcess;
  timer?: NodeJS.Timeout;
  checkpointTimer?: NodeJS.Timeout;
  killReason?: 'timeout' | 'cancelled';
}

interface LocalJob {
  ref: JobRef;
  request: SubmitRequest;
  cpus: number;
  concurrency: number;
  tasks: Task[];
}

export interface LocalSchedulerOptions {
  /** CPUs shared by all local jobs. Default: the CPU count. */
  slots?: number;
  /**
   * Refuse a job that asks for more CPUs than `slots` (default false: the local scheduler is for trying code
   * meant for a cluster, so such a job runs anyway, alone, after one warning).
   */
  strict?: boolean;
  /** Where the one oversize warning goes. Default: `process.emitWarning` (code CLUSTRIX_LOCAL_OVERSIZE). */
  warn?: (message: string) => void;
}

const emitOversizeWarning = (message: string): void => process.emitWarning(message, { code: 'CLUSTRIX_LOCAL_OVERSIZE' });

/** Profile keys of the local scheduler beyond the common ones. */
export const localOptionsShape = { strict: z.boolean() };

let sequence = 0;

export class LocalScheduler implements Scheduler {
  readonly name = 'local';
  readonly supports: ReadonlySet<ResourceKey> = new Set<ResourceKey>(['cpus', 'memory', 'time', 'env', 'jobName', 'setup']);
  readonly arrayIndex = { env: ARRAY_INDEX_ENV, base: 0 };
  readonly poll = { minMs: 200, maxMs: 2000 };
  readonly slots: number;
  private readonly strict: boolean;
  private readonly warn: (message: string) => void;
  private warnedOversize = false;
  private readonly queue: SlotQueue<Task>;
  private readonly jobs = new Map<string, LocalJob>();
  private readonly listeners = new ListenerSet();

  constructor(options: LocalSchedulerOptions = {}) {
    this.slots = options.slots ?? availableParallelism();
    this.strict = options.strict ?? false;
    this.warn = options.warn ?? emitOversizeWarning;
    this.queue = new SlotQueue(this.slots);
  }

  /** CPUs a job takes here: what it asks for, or every slot (after one warning) when it asks for more. */
  private fitCpus(request: SubmitRequest): number {
    const cpus = request.options.cpus ?? 1;
    if (cpus <= this.slots) return cpus;
    const what = `the job asks for cpus=${cpus} but this machine has ${this.slots}`;
    if (this.strict) {
      throw new SubmitError(`${what}; lower \`cpus\`, raise the local cluster's \`concurrency\`, or drop \`strict: true\``, {
        scope: 'local',
        jobId: request.jobId,
      });
    }
    if (!this.warnedOversize) {
      this.warnedOversize = true;
      this.warn(`[clustrix] [local] ${what}: it runs here anyway, one such job at a time (set \`strict: true\` on the local cluster to refuse instead)`);
    }
    return this.slots;
  }

  async submit(request: SubmitRequest): Promise<JobRef> {
    const cpus = this.fitCpus(request);
    const ref: JobRef = {
      jobId: request.jobId,
      schedulerJobId: `local-${process.pid}-${++sequence}`,
      jobDir: request.jobDir,
      ...(request.count !== undefined ? { count: request.count } : {}),
    };
    const job: LocalJob = {
      ref,
      request,
      cpus,
      concurrency: request.concurrency ?? Number.POSITIVE_INFINITY,
      tasks: [],
    };
    const indices = request.count === undefined ? [undefined] : Array.from({ length: request.count }, (_, i) => i);
    for (const index of indices) {
      const task: Task = { job, index, state: 'pending' };
      job.tasks.push(task);
      this.queue.enqueue(task);
    }
    this.jobs.set(ref.jobId, job);
    this.pump();
    // right after the pump, a failed task is one that could not start: none at all did → the submit fails
    const failed = job.tasks.find((t) => t.state === 'failed');
    if (failed && job.tasks.every((t) => t.state === 'failed')) {
      this.jobs.delete(ref.jobId);
      throw new SubmitError(`cannot start job ${ref.jobId}: ${failed.reason}`, { scope: 'local', jobId: ref.jobId });
    }
    return ref;
  }

  /** Start every queued task that fits; one that cannot start fails and gives its CPUs back. */
  private pump(): void {
    let failed = false;
    for (let batch = this.queue.take(); batch.length; batch = this.queue.take()) {
      for (const task of batch) {
        try {
          this.start(task);
        } catch (err) {
          this.queue.release(task);
          task.state = 'failed';
          task.reason = `could not start: ${(err as Error).message}`;
          failed = true;
        }
      }
    }
    if (failed) this.notify();
  }

  private start(task: Task): void {
    const { job } = task;
    const { request } = job;
    const dir = request.jobDir;
    const child = spawnLocalTask(request, task.index);
    task.child = child;
    task.state = 'running';
    if (child.pid) {
      const extra = (job.ref.extra ??= {});
      if (task.index === undefined) extra.pid = child.pid;
      else ((extra.pids ??= {}) as Record<string, number>)[String(task.index)] = child.pid;
    }
    log('started %s%s pid %d', job.ref.jobId, task.index === undefined ? '' : `[${task.index}]`, child.pid);
    const seconds = request.options.time !== undefined ? parseTime(request.options.time) : undefined;
    if (seconds) task.timer = setTimeout(() => this.kill(task, 'timeout'), seconds * 1000);
    const lead = checkpointLeadSeconds(request.options);
    if (seconds && lead !== undefined) {
      task.checkpointTimer = setTimeout(() => {
        try {
          // As a job script does (batch/script.ts forwardingTrap): note the request, signal only a listening runner.
          writeFileSync(join(dir, jobFiles.checkpointAsked(task.index)), '', { mode: 0o600 });
          if (child.pid && existsSync(join(dir, jobFiles.runnerListening(task.index)))) process.kill(child.pid, 'SIGUSR1');
          log('signalled %s%s to checkpoint (%d s before its time limit)', job.ref.jobId, task.index === undefined ? '' : `[${task.index}]`, lead);
        } catch {
          /* already gone */
        }
      }, (seconds - lead) * 1000);
    }
    child.on('error', (e) => {
      task.reason = e.message;
    });
    child.on('exit', (code, signal) => {
      if (task.timer) clearTimeout(task.timer);
      if (task.checkpointTimer) clearTimeout(task.checkpointTimer);
      const exitCode = exitCodeOf(code, signal);
      task.exitCode = exitCode;
      writeExitCode(dir, task.index, exitCode);
      // killed by another Clustrix process's cancel (it marks the folder first): a cancel, not a crash
      if (signal && !task.killReason && existsSync(join(dir, jobFiles.cancelRequested))) {
        task.killReason = 'cancelled';
        task.reason = 'cancelled (clustrix cancel)'; // the same words clustrix cancel writes into the record
      }
      task.state = task.killReason ?? (exitCode === 0 ? 'completed' : 'failed');
      if (signal && !task.killReason) task.reason = `killed by ${signal}`;
      task.child = undefined;
      this.queue.release(task);
      log('exited %s%s code %d', job.ref.jobId, task.index === undefined ? '' : `[${task.index}]`, exitCode);
      this.pump();
      this.notify();
    });
  }

  private kill(task: Task, reason: 'timeout' | 'cancelled'): void {
    const child = task.child;
    if (!child?.pid) return;
    task.killReason = reason;
    task.reason = reason === 'timeout' ? `time limit of ${task.job.request.options.time} reached` : 'cancelled';
    killProcessGroup(child.pid, KILL_GRACE_MS);
  }

  async status(refs: readonly JobRef[]): Promise<Map<string, JobStatus>> {
    const out = new Map<string, JobStatus>();
    for (const ref of refs) {
      const job = this.jobs.get(ref.jobId);
      if (!job) {
        out.set(ref.jobId, statusFromFolder(ref));
        continue;
      }
      const tasks = new Map<number, TaskStatus>();
      for (const t of job.tasks) tasks.set(t.index ?? 0, taskStatus(t));
      out.set(ref.jobId, { ...aggregateTaskStatus([...tasks.values()]), ...(ref.count !== undefined ? { tasks } : {}) });
    }
    return out;
  }

  async cancel(refs: readonly JobRef[]): Promise<void> {
    for (const ref of refs) {
      const job = this.jobs.get(ref.jobId);
      if (!job) {
        killFromFolder(ref);
        continue;
      }
      for (const t of job.tasks) {
        if (t.state === 'pending') {
          t.state = 'cancelled';
          t.reason = 'cancelled before it started';
          this.queue.remove(t);
        } else if (t.state === 'running') this.kill(t, 'cancelled');
      }
    }
    this.notify();
  }

  subscribe(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  private notify(): void {
    this.listeners.emit();
  }

  /** Tasks waiting for a CPU. */
  get queued(): number {
    return this.queue.queued;
  }
}

function taskStatus(t: Task): TaskStatus {
  return {
    state: t.state,
    schedulerState: t.state.toUpperCase(),
    ...(t.reason ? { reason: t.reason } : {}),
    ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}),
  };
}


export const localSchedulerFactory: SchedulerFactory = {
  name: 'local',
  optionsShape: localOptionsShape,
  create: ({ profile }) =>
    new LocalScheduler({
      ...(profile.concurrency ? { slots: profile.concurrency } : {}),
      ...((profile as { strict?: boolean }).strict ? { strict: true } : {}),
    }),
};
