/**
 * checkpoint() in the runner: on SIGUSR1 (sent by the scheduler shortly before the time limit) or the runner's own
 * timer, the state it returns goes to checkpoint.json and the job is resubmitted from it; where SLURM may requeue the
 * job, a SIGTERM saves it to the requeue checkpoint file (see @clustrix/wire's requeue-checkpoint.ts).
 */
import {
  instanceState,
  jobFiles,
  onTermCheckpoint,
  PROTOCOL_VERSION,
  requeueable,
  requeueCheckpointFile,
  serialize,
  type CheckpointFile,
  type JobFile,
} from '@clustrix/wire';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJobFile } from './write-job-file.js';

/** Where and since when this runner runs: stamped on every file it writes. */
export interface RunnerStamp {
  host: string;
  startedAt: string;
}

export interface SignalLatch {
  /** Calls `fn` now if the signal came already, else when it comes. */
  onSignal(fn: () => void): void;
  /** Counts as the signal (it came before anyone listened: see listenForCheckpointAsk). */
  raise(): void;
  close(): void;
}

export function latchSignal(signal: NodeJS.Signals): SignalLatch {
  let seen = false;
  let handler: (() => void) | undefined;
  const listener = () => {
    seen = true;
    handler?.();
  };
  process.on(signal, listener);
  return {
    onSignal(fn) {
      handler = fn;
      if (seen) fn();
    },
    raise: listener,
    close: () => void process.off(signal, listener),
  };
}

/**
 * Say that this runner now handles SIGUSR1 (runner_listening), then take a checkpoint request that came before
 * (checkpoint_asked): the job script signals the runner only after the first marker and writes the second before it
 * signals, so a request is never lost between the two. `usr1` must already be listening.
 */
export async function listenForCheckpointAsk(jobDir: string, index: number | undefined, usr1: SignalLatch): Promise<void> {
  await writeFile(join(jobDir, jobFiles.runnerListening(index)), '', { mode: 0o600 });
  if (existsSync(join(jobDir, jobFiles.checkpointAsked(index)))) usr1.raise();
}

export interface Checkpointing {
  /** Resolves once checkpoint.json is written. */
  done: Promise<{ kind: 'checkpointed' }>;
  /** The method finished: true if its result may be written (no checkpoint was written first). */
  claim(): boolean;
  disarm(): void;
}

/**
 * Call `self.checkpoint()` on SIGUSR1 (sent by the scheduler shortly before the time limit) or when
 * the timer from job.json fires, write what it returns to the checkpoint file atomically, and let
 * the runner exit with RUNNER_EXIT.checkpointed. Whichever of the method and the checkpoint
 * finishes first wins; the other writes nothing.
 */
function armCheckpoint(
  self: Record<string, unknown>,
  job: JobFile,
  jobDir: string,
  index: number | undefined,
  usr1: SignalLatch,
  meta: RunnerStamp,
): Checkpointing {
  let owner: 'result' | 'checkpoint' | undefined;
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveDone!: (v: { kind: 'checkpointed' }) => void;
  const done = new Promise<{ kind: 'checkpointed' }>((r) => (resolveDone = r));
  const trigger = (why: string) => {
    if (started || owner) return;
    started = true;
    void (async () => {
      try {
        const returned: unknown = await (self.checkpoint as () => unknown).call(self);
        const state = serialize(returned === undefined ? instanceState(self) : returned, 'checkpoint()');
        if (owner) return;
        owner = 'checkpoint';
        const file: CheckpointFile = { protocol: PROTOCOL_VERSION, state, trigger: why, host: meta.host, startedAt: meta.startedAt, at: new Date().toISOString() };
        await writeJobFile(jobDir, jobFiles.checkpoint(index), file);
        process.stderr.write(`[clustrix-runner] checkpointed (${why}); the job will be resubmitted from this state\n`);
        resolveDone({ kind: 'checkpointed' });
      } catch (err) {
        // Keep running: the time limit ends the job as it would have without a checkpoint.
        started = false;
        process.stderr.write(`[clustrix-runner] checkpoint() failed (${why}): ${(err as Error)?.stack ?? String(err)}\n`);
      }
    })();
  };
  usr1.onSignal(() => trigger('SIGUSR1'));
  const seconds = job.checkpoint?.timerSeconds;
  if (seconds !== undefined && seconds > 0) {
    timer = setTimeout(() => trigger('timer'), seconds * 1000);
    timer.unref();
  }
  return {
    done,
    claim: () => {
      if (owner) return owner === 'result';
      owner = 'result';
      return true;
    },
    disarm: () => {
      if (timer) clearTimeout(timer);
    },
  };
}

/**
 * Arm checkpoint() for this run when the job asks for it and the class defines it: SIGUSR1 and the timer (above),
 * and, where the job may be requeued, SIGTERM. Undefined when there is nothing to arm.
 */
export function armCheckpoints(
  self: Record<string, unknown>,
  job: JobFile,
  jobDir: string,
  index: number | undefined,
  usr1: SignalLatch,
  stamp: RunnerStamp,
): Checkpointing | undefined {
  if (!job.checkpoint || job.target.static || typeof self.checkpoint !== 'function') return undefined;
  const checkpointing = armCheckpoint(self, job, jobDir, index, usr1, stamp);
  if (!requeueable()) return checkpointing;
  const stopTermCheckpoint = onTermCheckpoint(async () => {
    const returned: unknown = await (self.checkpoint as () => unknown).call(self);
    const state = serialize(returned === undefined ? instanceState(self) : returned, 'checkpoint()');
    await writeJobFile(jobDir, requeueCheckpointFile(index), { state, at: new Date().toISOString(), host: stamp.host });
  });
  return {
    ...checkpointing,
    disarm: () => {
      stopTermCheckpoint();
      checkpointing.disarm();
    },
  };
}
