/**
 * One submission, end to end: resolve options → check the scheduler can honour them → bundle →
 * stage → submit → watch → collect. A single call is a run of one item; a fan-out is one run whose
 * items become one array job.
 */
import { currentConfig } from '../config/current.js';
import { resolveCall } from '../config/resolve.js';
import { CancelledError, ConfigError } from '../errors.js';
import { RESOURCE_KEYS, type CallOptions, type JobOptions, type ResourceKey } from '../options.js';
import { isTerminal, type JobRef, type JobState, type JobStatus, type TaskStatus } from '../scheduler/contract.js';
import { bundleModule, defaultCacheDir } from '../ship/bundler.js';
import { exportNameOf, moduleFileOf } from '../ship/locate.js';
import { runnerFile } from '../ship/runner-file.js';
import { logger } from '../util/debug.js';
import { PROTOCOL_VERSION, jobFiles, type JobFile } from '../wire/protocol.js';
import { clusterRuntime, type ClusterRuntime } from './cluster.js';
import { collectOutcome, type Outcome } from './collect.js';
import { deferred, type Deferred } from './deferred.js';
import type { PreparedCall } from './prepare.js';
import { planInputs, stageInputs } from './files-in-out.js';
import { checkNodeBeforeSubmit, OutputsGate, stageExternals } from './job-run-extras.js';
import { homedir } from 'node:os';
import { onAbort } from '../util/abort.js';

const log = logger('run');

export interface RunOptions {
  jobId: string;
  /** Submit the items as one array job (false: exactly one item, a single job). */
  array: boolean;
  concurrency?: number;
  signal?: AbortSignal;
  /** Hears each item as it ends. */
  onItem?: (index: number, outcome: Outcome) => void;
  onState?: (state: JobState) => void;
}

export interface RunState {
  state: JobState | 'preparing' | 'submitting';
  cluster?: string;
  ref?: JobRef;
  runtime?: ClusterRuntime;
  lastStatus?: JobStatus;
}

function setKeys(options: JobOptions): ResourceKey[] {
  return RESOURCE_KEYS.filter((k) => {
    const v = options[k];
    return v !== undefined && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
  });
}

export class JobRun {
  readonly items: Deferred<unknown>[];
  readonly state: RunState = { state: 'preparing' };
  private cancelRequested = false;
  private readonly submitted = deferred<JobRef>();
  /** Holds item results until `outputs` are fetched (see job-run-extras.ts). */
  private outputs: OutputsGate | undefined;

  constructor(
    readonly calls: PreparedCall[],
    readonly options: RunOptions,
  ) {
    this.items = calls.map(() => deferred<unknown>());
    if (options.signal) onAbort(options.signal, () => this.cancel().catch((err: unknown) => log('cancel of %s failed: %s', this.jobId, (err as Error).message)));
    void this.run();
  }

  get jobId(): string {
    return this.options.jobId;
  }

  /** Resolves with the scheduler's reference once the job is submitted. */
  get ref(): Promise<JobRef> {
    return this.submitted.promise;
  }

  private failAll(error: unknown): void {
    for (const d of this.items) d.reject(error);
    this.submitted.reject(error);
  }

  private cancelledError(): CancelledError {
    const reason = this.options.signal?.reason;
    return new CancelledError(`job ${this.jobId} was cancelled before it was submitted${reason instanceof Error ? `: ${reason.message}` : ''}`, {
      jobId: this.jobId,
      ...(reason instanceof Error ? { cause: reason } : {}),
    });
  }

  private setState(state: RunState['state']): void {
    this.state.state = state;
    if (state !== 'preparing' && state !== 'submitting') this.options.onState?.(state);
  }

  private async run(): Promise<void> {
    try {
      await this.execute();
    } catch (err) {
      this.failAll(err);
    }
  }

  private async execute(): Promise<void> {
    const first = this.calls[0]!;
    const { info } = first;
    if (this.options.signal?.aborted) throw this.cancelledError();
    const config = (await currentConfig()).merged;
    const resolved = resolveCall(config, info.options as JobOptions, stripSignal(first.options));
    this.state.cluster = resolved.clusterName;
    const rt = await clusterRuntime(resolved.clusterName, resolved.profile);
    this.state.runtime = rt;
    const options = resolved.options;
    const unsupported = setKeys(options).filter((k) => !rt.scheduler.supports.has(k));
    if (unsupported.length) {
      throw new ConfigError(
        `the ${rt.scheduler.name} scheduler of cluster '${rt.name}' cannot honour ${unsupported.map((k) => `\`${k}\``).join(', ')}; ` +
          `it honours ${[...rt.scheduler.supports].join(', ')}. Remove the option or run on a cluster that supports it`,
        { scope: rt.scheduler.name, keyPath: unsupported[0]! },
      );
    }
    const where = moduleFileOf(info.cls);
    const moduleFile = where.file;
    // Checked before anything is staged or submitted: Node on the cluster, the input files.
    const [, inputs] = await Promise.all([checkNodeBeforeSubmit(rt, options), planInputs(options.inputs ?? [], process.cwd())]);
    if (options.outputs?.length) this.outputs = new OutputsGate(options.outputs);
    const cacheDir = config.cacheDir ?? defaultCacheDir(moduleFile, homedir());
    const bundle = await bundleModule(moduleFile, { cacheDir, externals: options.externals ?? [] });
    const exportName = await exportNameOf(info.cls, where, bundle.exports);
    const runner = await runnerFile(cacheDir);
    const depsDir = await stageExternals(rt, bundle, moduleFile, options);
    const [runnerPath, bundlePath] = await Promise.all([rt.stager.runnerPath(runner), rt.stager.bundlePath(bundle, depsDir)]);
    if (this.cancelRequested || this.options.signal?.aborted) throw this.cancelledError();

    const sameInstance = this.calls.every((c) => c.instance === undefined || c.info.self === info.self);
    const jobFile: JobFile = {
      protocol: PROTOCOL_VERSION,
      jobId: this.jobId,
      cluster: rt.name,
      scheduler: rt.scheduler.name,
      bundle: bundlePath,
      target: { exportName, className: info.cls.name, method: info.method, static: info.isStatic },
      submittedAt: new Date().toISOString(),
      ...(options.env && Object.keys(options.env).length ? { env: options.env } : {}),
    };
    const files: Record<string, string> = {};
    if (this.options.array) {
      jobFile.items = this.calls.length;
      jobFile.indexEnv = rt.scheduler.arrayIndex.env;
      jobFile.indexBase = rt.scheduler.arrayIndex.base;
      if (sameInstance && first.instance) jobFile.instance = first.instance;
      this.calls.forEach((c, i) => {
        files[jobFiles.item(i)] = JSON.stringify({ args: c.args, ...(!sameInstance && c.instance ? { instance: c.instance } : {}) });
      });
      for (const d of jobFiles.arrayDirs) files[`${d}/`] = '';
    } else {
      jobFile.args = first.args;
      if (first.instance) jobFile.instance = first.instance;
    }
    files[jobFiles.job] = JSON.stringify(jobFile);
    this.setState('submitting');
    const jobDir = await rt.stager.writeJob(this.jobId, files);
    await stageInputs(rt.transport, rt.remoteRoot, jobDir, inputs);
    if (this.cancelRequested || this.options.signal?.aborted) {
      await rt.transport.remove(jobDir, { recursive: true }).catch(() => undefined);
      throw this.cancelledError();
    }
    const nodePath = options.nodePath ?? 'node';
    const ref = await rt.scheduler.submit({
      jobId: this.jobId,
      jobDir,
      command: [nodePath, runnerPath, jobDir],
      ...(this.options.array ? { count: this.calls.length } : {}),
      ...(this.options.concurrency ? { concurrency: this.options.concurrency } : {}),
      options,
      label: `${info.cls.name}.${info.method}`,
    });
    this.state.ref = ref;
    this.setState('pending');
    this.submitted.resolve(ref);
    log('submitted %s as %s %s on %s', this.jobId, rt.scheduler.name, ref.schedulerJobId, rt.name);
    if (this.cancelRequested) void rt.scheduler.cancel([ref]).catch(() => undefined);

    const collectCtx = {
      transport: rt.transport,
      scheduler: rt.scheduler.name,
      ref,
      moduleFile,
      ...(options.time !== undefined ? { time: options.time } : {}),
    };
    const settleItem = async (index: number, status: TaskStatus) => {
      const d = this.items[index]!;
      if (d.settled) return;
      let outcome = await collectOutcome({ ...collectCtx, localFrames: this.calls[index]!.localFrames }, this.options.array ? index : undefined, status);
      if (this.outputs) outcome = await this.outputs.apply(outcome);
      if (outcome.ok) d.resolve(outcome.value);
      else d.reject(outcome.error);
      this.options.onItem?.(index, outcome);
    };
    const pending: Promise<void>[] = [];
    const final = await rt.watcher.watch(ref, {
      onTask: this.options.array ? (i, st) => pending.push(settleItem(i, st).catch((e) => this.items[i]!.reject(e))) : undefined,
      onStatus: (st) => {
        this.state.lastStatus = st;
        if (st.state !== 'unknown') this.setState(st.state);
      },
    });
    this.state.lastStatus = final;
    this.setState(final.state);
    await this.outputs?.fetch(rt.transport, jobDir, options, final, this.jobId, inputs);
    await Promise.all(pending);
    if (this.options.array) {
      await Promise.all(
        this.items.map((d, i) => (d.settled ? undefined : settleItem(i, final.tasks?.get(i) ?? final).catch((e) => d.reject(e)))),
      );
    } else {
      await settleItem(0, final);
    }
    await this.cleanup(rt, jobDir, options.cleanup ?? 'keep');
  }

  private async cleanup(rt: ClusterRuntime, jobDir: string, policy: 'keep' | 'on-success' | 'always'): Promise<void> {
    if (policy === 'keep') return;
    const results = await Promise.allSettled(this.items.map((d) => d.promise));
    if (policy === 'always' || results.every((r) => r.status === 'fulfilled')) {
      await rt.transport.remove(jobDir, { recursive: true }).catch(() => undefined);
    }
  }

  /** Cancel: before submission nothing is submitted; after, the scheduler kills the job. */
  async cancel(): Promise<void> {
    this.cancelRequested = true;
    const { ref, runtime } = this.state;
    if (ref && runtime && !isTerminal(this.state.state as JobState)) {
      await runtime.scheduler.cancel([ref]);
      runtime.watcher.kick();
    }
  }

  /** A fresh status from the scheduler (one query). */
  async status(): Promise<JobStatus | { state: 'preparing' | 'submitting' }> {
    const { ref, runtime } = this.state;
    if (!ref || !runtime) return { state: this.state.state as 'preparing' | 'submitting' };
    if (isTerminal(this.state.state as JobState) && this.state.lastStatus) return this.state.lastStatus;
    const map = await runtime.scheduler.status([ref]);
    return map.get(ref.jobId) ?? { state: 'unknown' };
  }
}

function stripSignal(options: CallOptions): JobOptions {
  const { signal: _s, ...rest } = options;
  return rest;
}
