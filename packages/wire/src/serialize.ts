/**
 * Values across the wire with superjson: Date, Map, Set, BigInt, undefined, RegExp, URL, Error,
 * typed arrays, Buffer, ArrayBuffer and DataView (as base64, or — `serializeWithBlobs` — as references
 * to raw bytes in the JSON file's companion `.bin`, see blob-file.ts), cycles, and instances of registered classes
 * (rebuilt from their prototype, without calling the constructor). Before serializing, the value
 * is walked once: anything that cannot cross (a function, a symbol, a promise, a socket, an
 * instance of an unregistered class) is a SerializationError naming its path.
 */
import { types } from 'node:util';
import { SuperJSON } from 'superjson';
import { SerializationError } from './errors.js';
import { allRegistered, ambiguousIds, registeredClass, registryVersion, type AnyClass } from './class-registry.js';

export interface SerializedValue {
  json: unknown;
  meta?: unknown;
  /**
   * Bytes kept out of the JSON: the value's `<Type>@blob:<i>` strings name `blobs[i]`, a range of the
   * companion file of the JSON file holding this value (`job.bin` next to `job.json`...).
   */
  blobs?: BlobRef[];
}

/** Where one blob's bytes are in the companion file. */
export interface BlobRef {
  offset: number;
  length: number;
}

/** A typed array, Buffer, ArrayBuffer or DataView of at least this many bytes goes to the companion file (with `serializeWithBlobs`). */
export const BLOB_MIN_BYTES = 64 * 1024;
const BLOB_REF = /^(\w+)@blob:(\d+)$/;
/** The memory of the blobs of values from `serializeWithBlobs`, until they are written (blob-file.ts). */
const pendingBlobs = new WeakMap<SerializedValue, Uint8Array[]>();
/** Set while `serializeWithBlobs` runs (collects) or while `deserialize` runs with loaded blobs (reads). */
let collecting: Uint8Array[] | undefined;
let loaded: readonly Buffer[] | undefined;

type View = ArrayBufferView & { constructor: { name: string } };
const VIEW_TYPES: Record<string, (buf: ArrayBuffer) => ArrayBufferView> = {
  Int8Array: (b) => new Int8Array(b),
  Uint8Array: (b) => new Uint8Array(b),
  Uint8ClampedArray: (b) => new Uint8ClampedArray(b),
  Int16Array: (b) => new Int16Array(b),
  Uint16Array: (b) => new Uint16Array(b),
  Int32Array: (b) => new Int32Array(b),
  Uint32Array: (b) => new Uint32Array(b),
  Float32Array: (b) => new Float32Array(b),
  Float64Array: (b) => new Float64Array(b),
  BigInt64Array: (b) => new BigInt64Array(b),
  BigUint64Array: (b) => new BigUint64Array(b),
  DataView: (b) => new DataView(b),
};

// Realm-independent checks (values may come from a vm context, e.g. under jest).
const isArrayBuffer = (v: unknown): v is ArrayBuffer => types.isArrayBuffer(v);

function bytesOf(v: ArrayBufferView | ArrayBuffer): Buffer {
  return isArrayBuffer(v) ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function binaryType(v: ArrayBufferView | ArrayBuffer): string {
  return isArrayBuffer(v) ? 'ArrayBuffer' : Buffer.isBuffer(v) ? 'Buffer' : (v as View).constructor.name;
}

/** `type:base64`, or `type@blob:i` with the bytes (a view, not a copy) collected for the companion file. */
function encodeBinary(v: ArrayBufferView | ArrayBuffer): string {
  const type = binaryType(v);
  const bytes = bytesOf(v);
  if (collecting && bytes.byteLength >= BLOB_MIN_BYTES) {
    collecting.push(bytes);
    return `${type}@blob:${collecting.length - 1}`;
  }
  return `${type}:${bytes.toString('base64')}`;
}

/** `bytes` (which owns its whole ArrayBuffer) as a value of `type`, without a copy. */
function asBinary(type: string, bytes: Buffer): unknown {
  if (type === 'Buffer') return bytes;
  const ab = (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength
    ? bytes.buffer
    : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as ArrayBuffer;
  if (type === 'ArrayBuffer') return ab;
  const make = VIEW_TYPES[type];
  if (!make) throw new Error(`unknown binary type ${type}`);
  return make(ab);
}

function decodeBinary(s: string): unknown {
  const ref = BLOB_REF.exec(s);
  if (ref) {
    const bytes = loaded?.[Number(ref[2])];
    if (!bytes) throw new Error(`${s} names bytes of the companion file, which were not loaded (see loadBlobs)`);
    // a Buffer cut out of a whole companion file in memory (blobsFrom) gets its own memory, as the other types do
    const owns = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength;
    return asBinary(ref[1]!, ref[1] === 'Buffer' && !owns ? Buffer.from(bytes) : bytes);
  }
  const i = s.indexOf(':');
  return asBinary(s.slice(0, i), Buffer.from(s.slice(i + 1), 'base64'));
}

let instance: SuperJSON | undefined;
let syncedVersion = -1;

function serializer(): SuperJSON {
  if (!instance) {
    instance = new SuperJSON();
    instance.registerCustom<ArrayBufferView | ArrayBuffer, string>(
      {
        isApplicable: (v): v is ArrayBufferView | ArrayBuffer =>
          isArrayBuffer(v) || (ArrayBuffer.isView(v) && (Buffer.isBuffer(v) || (v as View).constructor.name in VIEW_TYPES)),
        serialize: encodeBinary,
        deserialize: decodeBinary as (s: string) => ArrayBufferView | ArrayBuffer,
      },
      'clustrix:bytes',
    );
    instance.allowErrorProps('stack', 'cause', 'code', 'errno', 'syscall', 'path');
  }
  if (syncedVersion !== registryVersion()) {
    for (const entry of allRegistered()) instance.registerClass(entry.cls as unknown as new () => unknown, entry.id);
    syncedVersion = registryVersion();
  }
  return instance;
}

function isBuiltin(v: object): boolean {
  return types.isDate(v) || types.isRegExp(v) || types.isMap(v) || types.isSet(v) || isArrayBuffer(v) || v instanceof URL;
}

function describeProblem(value: unknown): string | undefined {
  const t = typeof value;
  if (t === 'function') return 'is a function';
  if (t === 'symbol') return `is a symbol (${String(value)})`;
  if (t !== 'object' || value === null) return undefined;
  if (types.isPromise(value)) return 'is a Promise; await it before passing the value';
  if (types.isWeakMap(value) || types.isWeakSet(value) || value instanceof WeakRef) {
    return `is a ${(value as object).constructor.name}, which cannot be copied`;
  }
  return undefined;
}

function isCrossableObject(value: object): 'plain' | 'builtin' | 'error' | 'registered' | 'array' | 'bytes' | undefined {
  if (Array.isArray(value)) return 'array';
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return 'plain';
  if (ArrayBuffer.isView(value)) return 'bytes';
  if (isBuiltin(value)) return 'builtin';
  const ctor = (value as { constructor?: AnyClass }).constructor;
  if (ctor && registeredClass(ctor)) return 'registered';
  if (types.isNativeError(value) || value instanceof Error) return 'error';
  return undefined;
}

/** The first part of `value` that cannot cross, as `[path, problem]`, or undefined. */
export function findUncrossable(value: unknown, path: string, seen = new Set<object>()): [string, string] | undefined {
  const problem = describeProblem(value);
  if (problem) return [path, problem];
  if (typeof value !== 'object' || value === null) return undefined;
  if (seen.has(value)) return undefined;
  seen.add(value);
  const kind = isCrossableObject(value);
  if (!kind) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name || 'an anonymous class';
    return [
      path,
      `is an instance of ${name}, which is not registered; pass plain data, or call register(${name}) in the module that defines it`,
    ];
  }
  if (kind === 'registered') {
    const ctor = (value as { constructor: AnyClass }).constructor;
    const id = registeredClass(ctor)!.id;
    const clash = ambiguousIds().get(id);
    if (clash) {
      return [path, `is an instance of ${id}, but ${clash.length} classes are registered under that id; give each its own: register(Cls, { id: 'unique.name' })`];
    }
  }
  if (kind === 'bytes' || kind === 'builtin') {
    if (types.isMap(value)) {
      let i = 0;
      for (const [k, v] of value as Map<unknown, unknown>) {
        const bad = findUncrossable(k, `${path}.<key ${i}>`, seen) ?? findUncrossable(v, `${path}.get(${keyLabel(k)})`, seen);
        if (bad) return bad;
        i++;
      }
    } else if (types.isSet(value)) {
      let i = 0;
      for (const v of value as Set<unknown>) {
        const bad = findUncrossable(v, `${path}.<item ${i++}>`, seen);
        if (bad) return bad;
      }
    }
    return undefined;
  }
  if (kind === 'array') {
    const arr = value as unknown[];
    for (let i = 0; i < arr.length; i++) {
      const bad = findUncrossable(arr[i], `${path}[${i}]`, seen);
      if (bad) return bad;
    }
    return undefined;
  }
  for (const sym of Object.getOwnPropertySymbols(value)) {
    if (Object.prototype.propertyIsEnumerable.call(value, sym)) return [`${path}[${String(sym)}]`, 'is a symbol-keyed property, which cannot cross'];
  }
  for (const key of Object.keys(value)) {
    if (kind === 'error' && key === 'stack') continue;
    const bad = findUncrossable((value as Record<string, unknown>)[key], `${path}${propLabel(key)}`, seen);
    if (bad) return bad;
  }
  return undefined;
}

function propLabel(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
function keyLabel(k: unknown): string {
  return typeof k === 'string' ? JSON.stringify(k) : typeof k === 'object' ? '<object>' : String(k);
}

/** Serialize `value`, or throw a SerializationError naming the path (`path` is its root name). */
export function serialize(value: unknown, path = 'value'): SerializedValue {
  const bad = findUncrossable(value, path);
  if (bad) throw new SerializationError(`${bad[0]} ${bad[1]}`, { path: bad[0] });
  try {
    const out = serializer().serialize(value);
    return out.meta === undefined ? { json: out.json } : { json: out.json, meta: out.meta };
  } catch (err) {
    throw new SerializationError(`${path} cannot be serialized: ${(err as Error).message}`, { path, cause: err });
  }
}

/**
 * Like `serialize`, but a typed array, Buffer, ArrayBuffer or DataView of at least BLOB_MIN_BYTES is not
 * copied: the value names it (`blobs`), and blob-file.ts writes its memory into the JSON file's companion.
 * The bytes are read when the companion is written: the caller must not change them before.
 */
export function serializeWithBlobs(value: unknown, path = 'value'): SerializedValue {
  const blobs: Uint8Array[] = [];
  collecting = blobs;
  let out: SerializedValue;
  try {
    out = serialize(value, path);
  } finally {
    collecting = undefined;
  }
  if (!blobs.length) return out;
  out.blobs = blobs.map((b) => ({ offset: -1, length: b.byteLength }));
  pendingBlobs.set(out, blobs);
  return out;
}

/** The memory of the blobs of a value from `serializeWithBlobs` (undefined when it has none or came from a file). */
export function blobMemory(value: SerializedValue): readonly Uint8Array[] | undefined {
  return pendingBlobs.get(value);
}

/** Rebuild a value; `blobs` are the bytes of its `blobs` (blob-file.ts `loadBlobs`), each owning its memory. */
export function deserialize<T = unknown>(value: SerializedValue, blobs?: readonly Buffer[]): T {
  if (value.blobs?.length && !blobs) throw new SerializationError(`the value names ${value.blobs.length} blob(s) of a companion file; load them first (loadBlobs)`, { path: 'value' });
  const { blobs: _refs, ...plain } = value;
  loaded = blobs;
  try {
    return serializer().deserialize<T>(plain as Parameters<SuperJSON['deserialize']>[0]);
  } finally {
    loaded = undefined;
  }
}

/** The own enumerable state of an instance, as a plain object (what crosses for `this`). */
export function instanceState(obj: object): Record<string, unknown> {
  return { ...(obj as Record<string, unknown>) };
}
