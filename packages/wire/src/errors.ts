/**
 * One error family for everything Clustrix throws. Every error is a `ClustrixError`
 * (brand-checked with `isClustrixError`, so it works across copies of the package),
 * carries an optional `cause`, and — when a job is involved — the job id, the scheduler's
 * state and the tail of the job's stderr. Messages start with `[clustrix] [<scope>]`. Every error has a
 * stable machine-readable `code` (one per class, listed with what to do in docs/errors.md).
 */
const BRAND = Symbol.for('clustrix.error');

/** The `code` of each error class (docs/errors.md says when each is thrown and what to do). */
export type ClustrixErrorCode =
  | 'CLUSTRIX'
  | ConfigErrorCode
  | 'DEFINITION'
  | 'SERIALIZATION'
  | 'BUNDLE'
  | 'SUBMIT'
  | TransportErrorCode
  | 'REMOTE'
  | 'JOB_FAILED'
  | 'TIME_LIMIT'
  | 'OUT_OF_MEMORY'
  | 'CANCELLED'
  | 'NODE_FAIL'
  | 'PREEMPTED'
  | 'JOB_LOST'
  | 'BATCH_FAILED';
/** Codes of ConfigError and its subclasses. */
export type ConfigErrorCode = 'CONFIG' | 'BAD_VALUE';
/** Codes of TransportError and its subclasses. */
export type TransportErrorCode = 'TRANSPORT' | 'HOST_KEY' | 'UNSAFE_STAGING' | 'AUTH_FAILED';

export interface JobErrorDetails {
  /** Clustrix's own job id (the job folder name). */
  jobId?: string;
  /** The scheduler's id for the job (SLURM job id, pid, ...). */
  schedulerJobId?: string;
  /** The scheduler's raw state when the failure was seen (e.g. `TIMEOUT`, `OUT_OF_MEMORY`). */
  schedulerState?: string;
  /** The last lines of the job's stderr. */
  stderrTail?: string;
  /** The exit code of the job's process, when known. */
  exitCode?: number;
  /** Array task index, for a failure of one item of a fan-out. */
  index?: number;
}

export interface ClustrixErrorOptions extends JobErrorDetails {
  /** Which part of Clustrix (or which scheduler) raised it: `config`, `slurm`, `ssh`... */
  scope?: string;
  cause?: unknown;
}

export class ClustrixError extends Error implements JobErrorDetails {
  /** Stable, machine-readable: what kind of failure this is (subclasses narrow it). */
  readonly code: ClustrixErrorCode = 'CLUSTRIX';
  readonly scope: string;
  declare jobId?: string;
  declare schedulerJobId?: string;
  declare schedulerState?: string;
  declare stderrTail?: string;
  declare exitCode?: number;
  declare index?: number;

  constructor(message: string, options: ClustrixErrorOptions = {}) {
    const scope = options.scope ?? 'core';
    const prefixed = message.startsWith('[clustrix]') ? message : `[clustrix] [${scope}] ${message}`;
    super(withStderr(prefixed, options.stderrTail), options.cause === undefined ? undefined : { cause: options.cause });
    this.scope = scope;
    Object.defineProperty(this, 'name', { value: new.target.name, enumerable: false, writable: true, configurable: true });
    for (const key of ['jobId', 'schedulerJobId', 'schedulerState', 'stderrTail', 'exitCode', 'index'] as const) {
      if (options[key] !== undefined) (this as Record<string, unknown>)[key] = options[key];
    }
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // Keep `instanceof` exact for subclasses, but let the base class recognise copies from other bundles.
    if (this === ClustrixError) return isClustrixError(value);
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}
Object.defineProperty(ClustrixError.prototype, BRAND, { value: true });

function withStderr(message: string, stderrTail: string | undefined): string {
  if (!stderrTail || !stderrTail.trim()) return message;
  const indented = stderrTail.trimEnd().split('\n').map((l) => `  | ${l}`).join('\n');
  return `${message}\n  stderr (last lines):\n${indented}`;
}

/** True for any Clustrix error, even one created by another copy of this package. */
export function isClustrixError(value: unknown): value is ClustrixError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** A configuration file, environment variable or option is wrong. */
export class ConfigError extends ClustrixError {
  override readonly code: ConfigErrorCode = 'CONFIG';
  /** Where the bad value came from: a file path, `env CLUSTRIX_X`, `decorator`, `call options`. */
  declare readonly source?: string;
  /** Dotted path of the bad key (`clusters.hpc.time`). */
  declare readonly keyPath?: string;
  constructor(message: string, options: ClustrixErrorOptions & { source?: string; keyPath?: string } = {}) {
    super(message, { scope: 'config', ...options });
    if (options.source !== undefined) this.source = options.source;
    if (options.keyPath !== undefined) this.keyPath = options.keyPath;
  }
}

/**
 * A value cannot be written where it has to go (a job script, a scheduler directive, a command
 * line): a control character, or a character that directive's parser cannot carry. Raised before
 * anything is written or submitted; `code` is always `BAD_VALUE`, `keyPath` names the key.
 */
export class BadValueError extends ConfigError {
  override readonly code = 'BAD_VALUE' as const;
}

/** `@cluster` was put somewhere it cannot work (a field, a getter, a non-async method...). */
export class DefinitionError extends ClustrixError {
  override readonly code = 'DEFINITION' as const;
  constructor(message: string, options: ClustrixErrorOptions = {}) {
    super(message, { scope: 'decorator', ...options });
  }
}

/** A value cannot cross to the remote side (a function, a symbol, an unregistered class...). */
export class SerializationError extends ClustrixError {
  override readonly code = 'SERIALIZATION' as const;
  /** Path of the bad value, e.g. `args[1].onDone`. */
  readonly path: string;
  constructor(message: string, options: ClustrixErrorOptions & { path: string }) {
    super(message, { scope: 'serialize', ...options });
    this.path = options.path;
  }
}

/** The code cannot be shipped: the class is not exported, the module cannot be bundled... */
export class BundleError extends ClustrixError {
  override readonly code = 'BUNDLE' as const;
  constructor(message: string, options: ClustrixErrorOptions = {}) {
    super(message, { scope: 'bundle', ...options });
  }
}

/** The scheduler refused or failed to take the job. */
export class SubmitError extends ClustrixError {
  override readonly code = 'SUBMIT' as const;
}

/** A command or file transfer to the cluster failed. */
export class TransportError extends ClustrixError {
  override readonly code: TransportErrorCode = 'TRANSPORT';
}

/** The SSH server's host key is unknown, changed or revoked: nothing was run on it. */
export class HostKeyError extends TransportError {
  override readonly code = 'HOST_KEY' as const;
  /** `SHA256:...` fingerprint of the key the server offered. */
  declare readonly fingerprint?: string;
  constructor(message: string, options: ClustrixErrorOptions & { fingerprint?: string } = {}) {
    super(message, { scope: 'ssh', ...options });
    if (options.fingerprint !== undefined) this.fingerprint = options.fingerprint;
  }
}

/**
 * A folder Clustrix stages code into (the remote root, its parent, runner/bundles/deps/jobs/files)
 * is owned by someone else or writable by others: a co-user could plant code that runs as you.
 * Nothing was run.
 */
export class UnsafeStagingError extends TransportError {
  override readonly code = 'UNSAFE_STAGING' as const;
  /** The folder refused. */
  declare readonly path?: string;
  /** Its mode as `stat` printed it (octal digits), when known. */
  declare readonly mode?: string;
  constructor(message: string, options: ClustrixErrorOptions & { path?: string; mode?: string } = {}) {
    super(message, options);
    if (options.path !== undefined) this.path = options.path;
    if (options.mode !== undefined) this.mode = options.mode;
  }
}

/** The SSH server refused every authentication method tried. */
export class AuthenticationError extends TransportError {
  override readonly code = 'AUTH_FAILED' as const;
  constructor(message: string, options: ClustrixErrorOptions = {}) {
    super(message, { scope: 'ssh', ...options });
  }
}

/**
 * The remote method threw something whose class is not known here: `name` and `message` are the original's. Its
 * `code` is always `REMOTE`; the original's own `code` (e.g. `ECONNRESET`), if it had one, is in `remoteCode`.
 */
export class RemoteError extends ClustrixError {
  override readonly code = 'REMOTE' as const;
  /** The remote error's own `code`, when it had one. */
  declare readonly remoteCode?: string | number;
  constructor(message: string, options: ClustrixErrorOptions & { remoteName: string }) {
    super(message, options);
    Object.defineProperty(this, 'name', { value: options.remoteName, configurable: true, writable: true, enumerable: false });
  }
}

/** The job ended without reporting a result or an error: it exited with a non-zero code. */
export class JobFailedError extends ClustrixError {
  override readonly code = 'JOB_FAILED' as const;
}

/** The job hit its time limit (SLURM TIMEOUT, SGE h_rt, Kubernetes DeadlineExceeded, local `time`). */
export class TimeLimitError extends ClustrixError {
  override readonly code = 'TIME_LIMIT' as const;
}

/** The job used more memory than it was given (SLURM OUT_OF_MEMORY, Kubernetes OOMKilled). */
export class OutOfMemoryError extends ClustrixError {
  override readonly code = 'OUT_OF_MEMORY' as const;
}

/** The job was cancelled (by an AbortSignal, `cancel()`, or someone else). */
export class CancelledError extends ClustrixError {
  override readonly code = 'CANCELLED' as const;
}

/**
 * The node running the job failed (SLURM NODE_FAIL / BOOT_FAIL) and the scheduler did not requeue it
 * (SLURM: `requeue: false` / `--no-requeue`, or `JobRequeue=0`). `node` names it when the scheduler
 * said which (the message's "on node n1").
 */
export class NodeFailError extends ClustrixError {
  override readonly code = 'NODE_FAIL' as const;
  /** The node (or SLURM node list, `n[1-2]`) the job was on, when known. */
  declare readonly node?: string;
  constructor(message: string, options: ClustrixErrorOptions & { node?: string } = {}) {
    super(message, options);
    const node = options.node ?? /\bon node (\S+?)[;,)]?(?=\s|$)/.exec(message)?.[1];
    if (node) Object.defineProperty(this, 'node', { value: node, enumerable: true });
  }
}

/** The job was preempted by the scheduler. */
export class PreemptedError extends ClustrixError {
  override readonly code = 'PREEMPTED' as const;
}

/** The job disappeared: the scheduler no longer knows it and it left no result. */
export class JobLostError extends ClustrixError {
  override readonly code = 'JOB_LOST' as const;
}

/** Some items of a fan-out failed; `results` holds every item's outcome, in input order. */
export class BatchError<T = unknown> extends ClustrixError {
  override readonly code = 'BATCH_FAILED' as const;
  readonly results: ReadonlyArray<SettledResult<T>>;
  constructor(message: string, results: ReadonlyArray<SettledResult<T>>, options: ClustrixErrorOptions = {}) {
    super(message, options);
    this.results = results;
  }
  /** The errors of the failed items. */
  get errors(): unknown[] {
    return this.results.filter((r): r is RejectedResult => r.status === 'rejected').map((r) => r.reason);
  }
}

export interface FulfilledResult<T> {
  status: 'fulfilled';
  index: number;
  value: T;
}
export interface RejectedResult {
  status: 'rejected';
  index: number;
  reason: unknown;
}
export type SettledResult<T> = FulfilledResult<T> | RejectedResult;
