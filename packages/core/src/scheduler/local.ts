/**
 * The local scheduler (the default): each call runs as a child `node` process through the runner,
 * from a job folder on disk — the same bundle and serialization path a cluster node uses. A small
 * queue caps the CPUs in use (default: the CPU count), honours `time` (SIGTERM, then SIGKILL),
 * sends SIGUSR1 `checkpointLead` before it when the job checkpoints, and cancels by killing the
 * child's process group. Children run in their own process group and outlive this process; their
 * pids are recorded in the job's reference (`extra.pid`, `extra.pids`) so that another process can
 * see them running, and cancel them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { dirname, join } from 'node:path';
import { SubmitError } from '../errors.js';
import { checkpointLeadSeconds, type ResourceKey } from '../options.js';
import { parseMemory, parseTime } from '../resources/parse.js';
import { jobFiles } from '@clustrix/wire';
import type { JobRef, JobState, JobStatus, Scheduler, SchedulerFactory, SubmitRequest, TaskStatus } from './contract.js';
import { logger } from '../util/debug.js';
import { aggregate } from './aggregate.js';
import { killFromFolder, statusFromFolder } from './local-orphans.js';

const log = logger('local');

export const LOCAL_INDEX_ENV = 'CLUSTRIX_ARRAY_INDEX';
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
  running: number;
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
  readonly arrayIndex = { env: LOCAL_INDEX_ENV, base: 0 };
  readonly poll = { minMs: 200, maxMs: 2000 };
  readonly slots: number;
  private readonly strict: boolean;
  private readonly warn: (message: string) => void;
  private warnedOversize = false;
  private used = 0;
  private readonly queue: Task[] = [];
  private readonly jobs = new Map<string, LocalJob>();
  private readonly listeners = new Set<() => void>();

  constructor(options: LocalSchedulerOptions = {}) {
    this.slots = options.slots ?? availableParallelism();
    this.strict = options.strict ?? false;
    this.warn = options.warn ?? emitOversizeWarning;
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
      running: 0,
      tasks: [],
    };
    const indices = request.count === undefined ? [undefined] : Array.from({ length: request.count }, (_, i) => i);
    for (const index of indices) {
      const task: Task = { job, index, state: 'pending' };
      job.tasks.push(task);
      this.queue.push(task);
    }
    this.jobs.set(ref.jobId, job);
    this.pump();
    return ref;
  }

  private pump(): void {
    for (let i = 0; i < this.queue.length; ) {
      const task = this.queue[i]!;
      const { job } = task;
      const fits = this.used + job.cpus <= this.slots;
      if (fits && job.running < job.concurrency) {
        this.queue.splice(i, 1);
        this.start(task);
      } else {
        if (!fits) break; // keep FIFO order across jobs when CPUs are the limit
        i++;
      }
    }
  }

  private start(task: Task): void {
    const { job } = task;
    const { request } = job;
    const dir = request.jobDir;
    const outPath = join(dir, jobFiles.stdout(task.index));
    const errPath = join(dir, jobFiles.stderr(task.index));
    mkdirSync(dirname(outPath), { recursive: true, mode: 0o700 });
    const out = openSync(outPath, 'a', 0o600);
    const err = openSync(errPath, 'a', 0o600);
    const [node, ...rest] = request.command;
    const nodeArgs: string[] = [];
    const mem = request.options.memory !== undefined ? parseMemory(request.options.memory) : undefined;
    if (mem) nodeArgs.push(`--max-old-space-size=${mem}`);
    const setup = request.options.setup ?? [];
    const env = { ...process.env, ...(task.index !== undefined ? { [LOCAL_INDEX_ENV]: String(task.index) } : {}) };
    let child: ChildProcess;
    try {
      child = setup.length
        ? spawn('/bin/sh', ['-c', `${setup.join('\n')}\nexec "$@"`, 'clustrix-setup', node!, ...nodeArgs, ...rest], {
            cwd: dir,
            detached: true,
            stdio: ['ignore', out, err],
            env,
          })
        : spawn(node!, [...nodeArgs, ...rest], { cwd: dir, detached: true, stdio: ['ignore', out, err], env });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    this.used += job.cpus;
    job.running++;
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
          if (child.pid) process.kill(child.pid, 'SIGUSR1');
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
      const exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : signal === 'SIGINT' ? 2 : 0);
      task.exitCode = exitCode;
      try {
        const codeFile = join(dir, jobFiles.exitCode(task.index));
        mkdirSync(dirname(codeFile), { recursive: true, mode: 0o700 });
        writeFileSync(codeFile, `${exitCode}\n`, { mode: 0o600 });
      } catch {
        /* the job folder may have been removed */
      }
      // killed by another Clustrix process's cancel (it marks the folder first): a cancel, not a crash
      if (signal && !task.killReason && existsSync(join(dir, jobFiles.cancelRequested))) {
        task.killReason = 'cancelled';
        task.reason = 'cancelled (clustrix cancel)'; // the same words clustrix cancel writes into the record
      }
      task.state = task.killReason ?? (exitCode === 0 ? 'completed' : 'failed');
      if (signal && !task.killReason) task.reason = `killed by ${signal}`;
      task.child = undefined;
      this.used -= job.cpus;
      job.running--;
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
    const group = -child.pid;
    try {
      process.kill(group, 'SIGTERM');
    } catch {
      /* already gone */
    }
    setTimeout(() => {
      try {
        process.kill(group, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, KILL_GRACE_MS).unref();
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
      out.set(ref.jobId, { ...aggregate([...tasks.values()]), ...(ref.count !== undefined ? { tasks } : {}) });
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
          const i = this.queue.indexOf(t);
          if (i >= 0) this.queue.splice(i, 1);
        } else if (t.state === 'running') this.kill(t, 'cancelled');
      }
    }
    this.notify();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  /** Tasks waiting for a CPU. */
  get queued(): number {
    return this.queue.length;
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

export { aggregate };

export const localSchedulerFactory: SchedulerFactory = {
  name: 'local',
  optionsShape: localOptionsShape,
  create: ({ profile }) =>
    new LocalScheduler({
      ...(profile.concurrency ? { slots: profile.concurrency } : {}),
      ...((profile as { strict?: boolean }).strict ? { strict: true } : {}),
    }),
};
