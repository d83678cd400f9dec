/**
 * Values across the wire with superjson: Date, Map, Set, BigInt, undefined, RegExp, URL, Error,
 * typed arrays, Buffer and ArrayBuffer (as base64), cycles, and instances of registered classes
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
}

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

let instance: SuperJSON | undefined;
let syncedVersion = -1;

function serializer(): SuperJSON {
  if (!instance) {
    instance = new SuperJSON();
    instance.registerCustom<ArrayBufferView | ArrayBuffer, string>(
      {
        isApplicable: (v): v is ArrayBufferView | ArrayBuffer =>
          isArrayBuffer(v) || (ArrayBuffer.isView(v) && (Buffer.isBuffer(v) || (v as View).constructor.name in VIEW_TYPES)),
        serialize: (v) => {
          const type = isArrayBuffer(v) ? 'ArrayBuffer' : Buffer.isBuffer(v) ? 'Buffer' : (v as View).constructor.name;
          return `${type}:${bytesOf(v).toString('base64')}`;
        },
        deserialize: (s) => {
          const i = s.indexOf(':');
          const type = s.slice(0, i);
          const bytes = Buffer.from(s.slice(i + 1), 'base64');
          if (type === 'Buffer') return bytes;
          const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
          if (type === 'ArrayBuffer') return ab;
          const make = VIEW_TYPES[type];
          if (!make) throw new Error(`unknown binary type ${type}`);
          return make(ab);
        },
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

export function deserialize<T = unknown>(value: SerializedValue): T {
  return serializer().deserialize<T>(value as Parameters<SuperJSON['deserialize']>[0]);
}

/** The own enumerable state of an instance, as a plain object (what crosses for `this`). */
export function instanceState(obj: object): Record<string, unknown> {
  return { ...(obj as Record<string, unknown>) };
}
