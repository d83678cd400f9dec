/**
 * FAKE (test only). The fake kubelet: runs each pod bound to the fake node as a real local process.
 *
 * - Image: there is no container runtime; every image "is" this machine (its `node` on PATH). An
 *   image the `unpullable` test says no to (default: registry host ending in `.invalid`) stays
 *   waiting with ErrImagePull, then ImagePullBackOff — as a real kubelet reports a missing image.
 * - Volumes and paths: see pod-sandbox.ts (mount paths are rewritten on the command line and env).
 * - Memory: limits.memory is enforced by sampling the RSS of the process tree; over the limit, the
 *   whole process group is SIGKILLed and the container ends `OOMKilled` (exit 137), as with cgroup
 *   v2's group OOM kill.
 * - activeDeadlineSeconds (pod): SIGTERM, then SIGKILL after the grace period; Failed/DeadlineExceeded.
 * - Deletion: SIGTERM, SIGKILL after the grace period, then the pod object is removed.
 * - Logs: stdout and stderr, interleaved as they arrive, in one file per pod.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { ApiError, type FakeCluster, type PodTerminator } from './cluster.js';
import { containerEnv, MountPending, mountVolumes, rewritePath, type ContainerSpec } from './pod-sandbox.js';
import { treeRssBytes } from './proc.js';
import { podConditions, tailLog } from './pod-status.js';
import { parseQuantity } from './quantity.js';
import { now, type KubeObject, type StoreEvent } from './store.js';

export interface KubeletOptions {
  nodeName: string;
  /** Pod sandboxes and logs go here. */
  workDir: string;
  unpullable: (image: string) => boolean;
  pullBackOffMs: number;
  memorySampleMs: number;
}

interface PodRun {
  ns: string;
  name: string;
  uid: string;
  container: ContainerSpec;
  sandbox: string;
  log?: WriteStream;
  child?: ChildProcess;
  startedAt?: string;
  timers: NodeJS.Timeout[];
  ending?: 'deleted' | 'deadline' | 'evicted' | 'oom';
  evictMessage?: string;
  exited: boolean;
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? constants.signals[signal] ?? 0 : 0;
}

export class FakeKubelet implements PodTerminator {
  private readonly runs = new Map<string, PodRun>();
  private closed = false;

  constructor(
    private readonly cluster: FakeCluster,
    private readonly options: KubeletOptions,
  ) {
    cluster.terminator = this;
    cluster.store.subscribe((e) => this.onEvent(e));
  }

  private onEvent(e: StoreEvent): void {
    if (e.resource !== 'pods' || e.type === 'DELETED' || this.closed) return;
    const pod = e.object;
    const spec = pod.spec as { nodeName?: string };
    const phase = (pod.status as { phase?: string }).phase;
    if (spec.nodeName !== this.options.nodeName || this.runs.has(pod.metadata.uid!) || phase === 'Succeeded' || phase === 'Failed') return;
    if (pod.metadata.deletionTimestamp) return;
    const container = (pod.spec as { containers: ContainerSpec[] }).containers[0]!;
    const run: PodRun = {
      ns: pod.metadata.namespace!,
      name: pod.metadata.name,
      uid: pod.metadata.uid!,
      container,
      sandbox: join(this.options.workDir, 'pods', pod.metadata.uid!),
      timers: [],
      exited: false,
    };
    this.runs.set(run.uid, run);
    setImmediate(() => this.start(run));
  }

  private status(run: PodRun, mutate: (status: Record<string, unknown>, pod: KubeObject) => void): void {
    this.cluster.store.update('pods', run.ns, run.name, (o) => {
      const status = (o.status ?? {}) as Record<string, unknown>;
      mutate(status, o);
      o.status = status;
    });
  }

  private containerStatus(run: PodRun, state: Record<string, unknown>, ready = false): Record<string, unknown> {
    return { name: run.container.name, image: run.container.image, imageID: '', containerID: run.child?.pid ? `fake://${run.child.pid}` : undefined, ready, restartCount: 0, started: ready, state };
  }

  private waiting(run: PodRun, reason: string, message?: string): void {
    this.status(run, (s) => {
      s.phase = 'Pending';
      s.hostIP = '127.0.0.1';
      s.startTime ??= now();
      s.conditions = podConditions(false);
      s.containerStatuses = [this.containerStatus(run, { waiting: { reason, ...(message ? { message } : {}) } })];
    });
  }

  private later(run: PodRun, ms: number, fn: () => void): void {
    run.timers.push(setTimeout(() => !this.closed && !run.ending && fn(), ms));
  }

  private start(run: PodRun): void {
    if (this.closed || run.ending) return;
    const image = run.container.image;
    this.waiting(run, 'ContainerCreating');
    if (this.options.unpullable(image)) {
      const ref = image.includes('/') ? image : `docker.io/library/${image}`;
      const pullError = () =>
        this.waiting(run, 'ErrImagePull', `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref.split('/')[0]}: no such host`);
      this.later(run, 100, pullError);
      const backOff = (ms: number) =>
        this.later(run, ms, () => {
          this.waiting(run, 'ImagePullBackOff', `Back-off pulling image "${image}"`);
          this.later(run, ms, () => {
            pullError();
            backOff(Math.min(ms * 2, 30_000));
          });
        });
      backOff(this.options.pullBackOffMs);
      return;
    }
    let pod = this.cluster.store.get('pods', run.ns, run.name);
    if (!pod) return;
    let mounts;
    try {
      mounts = mountVolumes(this.cluster, pod, run.container, run.sandbox);
    } catch (err) {
      if (err instanceof MountPending) return this.later(run, 300, () => this.start(run));
      return this.finish(run, { exitCode: 128, reason: 'StartError', message: (err as Error).message });
    }
    const argv = [...(run.container.command ?? []), ...(run.container.args ?? [])].map((w) => rewritePath(w, mounts));
    if (!argv.length) {
      return this.waiting(run, 'CreateContainerError', 'the fake kubelet cannot run an image entrypoint: give the container a command');
    }
    this.status(run, (s) => {
      s.podIP = '127.0.0.1';
    });
    pod = this.cluster.store.get('pods', run.ns, run.name)!;
    const home = join(run.sandbox, 'home');
    mkdirSync(home, { recursive: true });
    const env = containerEnv(this.cluster, pod, run.container, mounts, home);
    const cwd = run.container.workingDir ? rewritePath(run.container.workingDir, mounts) : home;
    mkdirSync(cwd, { recursive: true });
    run.log = createWriteStream(join(run.sandbox, 'container.log'));
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    run.child = child;
    child.stdout!.on('data', (d: Buffer) => run.log!.write(d));
    child.stderr!.on('data', (d: Buffer) => run.log!.write(d));
    child.on('error', (err) => run.log!.end(() => this.finish(run, { exitCode: 128, reason: 'StartError', message: `exec: "${argv[0]}": ${err.message}` })));
    child.on('close', (code, signal) => {
      const exitCode = code ?? 128 + signalNumber(signal);
      const oom = run.ending === 'oom';
      // The log is complete (flushed) before the pod says it ended: a client reads it right away.
      run.log!.end(() => this.finish(run, { exitCode, reason: oom ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error' }));
    });
    run.startedAt = now();
    this.status(run, (s) => {
      s.phase = 'Running';
      s.conditions = podConditions(true);
      s.containerStatuses = [this.containerStatus(run, { running: { startedAt: run.startedAt } }, true)];
    });
    const limit = parseQuantity(run.container.resources?.limits?.memory);
    if (limit > 0) {
      const sample = setInterval(() => {
        if (run.exited || !child.pid) return clearInterval(sample);
        if (treeRssBytes(child.pid) > limit) {
          run.ending = 'oom';
          this.kill(run, 'SIGKILL');
          clearInterval(sample);
        }
      }, this.options.memorySampleMs);
      run.timers.push(sample);
    }
    const deadline = (pod.spec as { activeDeadlineSeconds?: number }).activeDeadlineSeconds;
    if (deadline) this.later(run, deadline * 1000, () => this.stop(run, 'deadline', (pod!.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds ?? 30));
  }

  private kill(run: PodRun, signal: NodeJS.Signals): void {
    const pid = run.child?.pid;
    if (!pid || run.exited) return;
    try {
      process.kill(-pid, signal);
    } catch {
      /* gone */
    }
  }

  private stop(run: PodRun, why: 'deleted' | 'deadline', graceSeconds: number): void {
    run.ending ??= why;
    this.kill(run, 'SIGTERM');
    run.timers.push(setTimeout(() => this.kill(run, 'SIGKILL'), graceSeconds * 1000));
  }

  /** The container ended: record its terminated state and the pod's phase. */
  private finish(run: PodRun, end: { exitCode: number; reason: string; message?: string }): void {
    if (run.exited) return;
    run.exited = true;
    for (const t of run.timers) clearTimeout(t);
    const terminated = { exitCode: end.exitCode, reason: end.reason, ...(end.message ? { message: end.message } : {}), startedAt: run.startedAt ?? now(), finishedAt: now(), containerID: run.child?.pid ? `fake://${run.child.pid}` : undefined };
    this.status(run, (s) => {
      s.phase = end.exitCode === 0 && !run.ending ? 'Succeeded' : 'Failed';
      if (run.ending === 'deadline') Object.assign(s, { reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
      if (run.ending === 'evicted') {
        Object.assign(s, { reason: 'Evicted', message: run.evictMessage });
        (s.conditions as unknown[]) = [
          ...podConditions(false, 'PodFailed'),
          { type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet', message: run.evictMessage, lastProbeTime: null, lastTransitionTime: now() },
        ];
      } else s.conditions = podConditions(false, s.phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed');
      s.containerStatuses = [this.containerStatus(run, { terminated })];
    });
    if (run.ending === 'deleted') this.remove(run);
  }

  private remove(run: PodRun): void {
    for (const t of run.timers) clearTimeout(t);
    this.cluster.store.remove('pods', run.ns, run.name);
  }

  // PodTerminator
  holds(pod: KubeObject): boolean {
    const run = this.runs.get(pod.metadata.uid!);
    return run !== undefined && !run.exited;
  }

  terminate(pod: KubeObject, graceSeconds: number): void {
    const run = this.runs.get(pod.metadata.uid!);
    if (!run) return;
    if (!run.child || run.exited) {
      run.ending = 'deleted';
      run.exited = true;
      this.remove(run);
      return;
    }
    run.ending = 'deleted';
    this.stop(run, 'deleted', graceSeconds);
  }

  /** Evict a running pod as node-pressure eviction does (test helper). */
  evict(ns: string, name: string, message: string): void {
    const pod = this.cluster.store.get('pods', ns, name);
    const run = pod && this.runs.get(pod.metadata.uid!);
    if (!run?.child) throw new Error(`pod ${ns}/${name} is not running`);
    run.ending = 'evicted';
    run.evictMessage = message;
    this.kill(run, 'SIGKILL');
  }

  /** The pod log API: the container's output, or a 400 while it has not started. */
  logs(pod: KubeObject, tailLines?: number, limitBytes?: number): string {
    const run = this.runs.get(pod.metadata.uid!);
    if (!run?.log) {
      const waiting = ((pod.status as { containerStatuses?: Array<{ state?: { waiting?: { reason?: string } } }> }).containerStatuses?.[0]?.state?.waiting?.reason) ?? 'ContainerCreating';
      throw new ApiError(400, 'BadRequest', `container "${run?.container.name ?? 'job'}" in pod "${pod.metadata.name}" is waiting to start: ${waiting}`);
    }
    let text = '';
    try {
      text = readFileSync(join(run.sandbox, 'container.log'), 'utf8');
    } catch {
      /* nothing written yet */
    }
    return tailLog(text, tailLines, limitBytes);
  }

  /** Process ids of running pods (tests check they are gone). */
  pids(): number[] {
    return [...this.runs.values()].filter((r) => r.child?.pid && !r.exited).map((r) => r.child!.pid!);
  }

  close(): void {
    this.closed = true;
    for (const run of this.runs.values()) {
      for (const t of run.timers) clearTimeout(t);
      this.kill(run, 'SIGKILL');
    }
  }
}
