/**
 * Errors across the wire. The runner encodes what the method threw (name, class, message, stack,
 * cause chain, own properties, AggregateError's errors); the caller decodes it into an instance
 * of the original class when that class is known locally, otherwise into a RemoteError that keeps
 * the original `name` and `message`. Neither side calls a constructor.
 */
import { isClustrixError, RemoteError } from './errors.js';
import { findUncrossable, serialize, deserialize, type SerializedValue } from './serialize.js';

export interface EncodedError {
  name: string;
  /** The constructor's name (may differ from `name`). */
  className: string;
  message: string;
  stack?: string;
  /** Own enumerable properties other than name/message/stack/cause, serialized. */
  props?: SerializedValue;
  /** Properties that could not cross, with the reason. */
  droppedProps?: string[];
  cause?: EncodedError | { value: SerializedValue };
  errors?: EncodedError[];
  /** True when what was thrown was not an Error (e.g. `throw 'text'`). */
  nonError?: boolean;
  /** True for Clustrix's own errors (rebuilt as the matching local class). */
  clustrix?: boolean;
  /** True when the runner failed before the method started (bad job file, missing export...). */
  setup?: boolean;
}

const SKIP = new Set(['name', 'message', 'stack', 'cause', 'errors']);
const MAX_DEPTH = 8;

export function encodeError(thrown: unknown, depth = 0): EncodedError {
  if (!(thrown instanceof Error)) {
    return { name: 'NonErrorThrown', className: 'NonErrorThrown', message: safeString(thrown), nonError: true };
  }
  const out: EncodedError = {
    name: safeString(thrown.name),
    className: thrown.constructor?.name ?? 'Error',
    message: safeString(thrown.message),
  };
  if (typeof thrown.stack === 'string') out.stack = thrown.stack;
  if (isClustrixError(thrown)) out.clustrix = true;
  const props: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const key of Object.keys(thrown)) {
    if (SKIP.has(key)) continue;
    const v = (thrown as unknown as Record<string, unknown>)[key];
    const bad = findUncrossable(v, key);
    if (bad) dropped.push(`${bad[0]} ${bad[1]}`);
    else props[key] = v;
  }
  if (Object.keys(props).length) out.props = serialize(props, 'error');
  if (dropped.length) out.droppedProps = dropped;
  if ('cause' in thrown && thrown.cause !== undefined && depth < MAX_DEPTH) {
    out.cause = thrown.cause instanceof Error ? encodeError(thrown.cause, depth + 1) : encodeValue(thrown.cause);
  }
  if (thrown instanceof AggregateError && depth < MAX_DEPTH) {
    out.errors = thrown.errors.map((e) => encodeError(e, depth + 1));
  }
  return out;
}

function encodeValue(v: unknown): { value: SerializedValue } {
  return findUncrossable(v, 'cause') ? { value: serialize(safeString(v)) } : { value: serialize(v, 'cause') };
}

function safeString(v: unknown): string {
  try {
    return typeof v === 'string' ? v : String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

export interface DecodeContext {
  /** Finds a local class for a remote error's class name. */
  lookup?: (className: string, name: string) => (abstract new (...a: never[]) => Error) | undefined;
  /** A line placed between the remote frames and the local ones. */
  banner?: string;
  /** The caller's stack frames (lines starting with "    at"), appended after the banner. */
  localFrames?: string;
  /** Job details copied onto the RemoteError fallback. */
  details?: { jobId?: string; schedulerJobId?: string; index?: number; scope?: string };
}

/** JavaScript's own error classes: a remote `TypeError` comes back as a `TypeError` (`instanceof` holds). */
const BUILTIN_ERRORS: Record<string, abstract new (...a: never[]) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  AggregateError,
};

function builtinClass(enc: EncodedError): (abstract new (...a: never[]) => Error) | undefined {
  return Object.prototype.hasOwnProperty.call(BUILTIN_ERRORS, enc.className) ? BUILTIN_ERRORS[enc.className] : undefined;
}

export function decodeError(enc: EncodedError, ctx: DecodeContext = {}): Error {
  const Cls = enc.nonError ? undefined : ctx.lookup?.(enc.className, enc.name) ?? (enc.clustrix ? undefined : builtinClass(enc));
  let err: Error;
  if (Cls) {
    err = Object.create(Cls.prototype) as Error;
  } else {
    err = new RemoteError(enc.message, { remoteName: enc.name, scope: ctx.details?.scope ?? 'remote', ...ctx.details });
  }
  define(err, 'message', enc.message);
  if (err.name !== enc.name) define(err, 'name', enc.name);
  if (enc.props) {
    try {
      const props = deserialize<Record<string, unknown>>(enc.props);
      if (!Cls && 'code' in props) {
        // a RemoteError's `code` stays REMOTE (stable); the original's own code is kept as `remoteCode`
        props.remoteCode = props.code;
        delete props.code;
      }
      Object.assign(err, props);
    } catch {
      /* keep the error even if a property cannot be rebuilt */
    }
  }
  if (enc.cause) {
    define(err, 'cause', 'value' in enc.cause ? deserialize(enc.cause.value) : decodeError(enc.cause, { lookup: ctx.lookup }));
  }
  if (enc.errors) define(err, 'errors', enc.errors.map((e) => decodeError(e, { lookup: ctx.lookup })));
  // Which job threw it, on every error (not only the RemoteError fallback); the error's own fields win.
  for (const [key, value] of Object.entries(ctx.details ?? {})) {
    if (key !== 'scope' && value !== undefined && !(key in err)) define(err, key, value);
  }
  const remoteStack = enc.stack ?? `${enc.name}: ${enc.message}`;
  define(err, 'remoteStack', remoteStack);
  const parts = [remoteStack];
  if (ctx.banner) parts.push(`    ${ctx.banner}`);
  if (ctx.localFrames) parts.push(ctx.localFrames);
  define(err, 'stack', parts.join('\n'));
  return err;
}

function define(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, configurable: true, enumerable: false });
}
