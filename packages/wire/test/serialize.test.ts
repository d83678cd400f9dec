import { describe, expect, test } from '@jest/globals';
import { Socket } from 'node:net';
import { decodeError, deserialize, encodeError, register, serialize, SerializationError } from '../src/index.js';

class Vec {
  constructor(
    public x: number,
    public y: number,
  ) {}
  len(): number {
    return Math.hypot(this.x, this.y);
  }
}
register(Vec, { id: 'test.Vec' });
class Unregistered {
  a = 1;
}

const roundTrip = <T>(v: T): T => deserialize<T>(JSON.parse(JSON.stringify(serialize(v))));

describe('values that cross the wire', () => {
  const table: Array<[string, unknown]> = [
    ['Date', new Date('2026-11-29T01:02:03Z')],
    ['Map', new Map<unknown, unknown>([['a', 1], [2, { b: [3] }]])],
    ['Set', new Set([1, 'two', 3n])],
    ['BigInt', 2n ** 100n],
    ['undefined in objects', { a: undefined, b: [undefined, 1] }],
    ['RegExp', /a+b/gi],
    ['URL', new URL('https://example.org/x?y=1#z')],
    ['Buffer', Buffer.from('héllo')],
    ['Uint8Array', new Uint8Array([0, 1, 255])],
    ['Float64Array', new Float64Array([1.5, -0, Number.NaN])],
    ['BigInt64Array', new BigInt64Array([1n, -2n])],
    ['ArrayBuffer', new Uint16Array([7, 8]).buffer],
    ['NaN and Infinity', [Number.NaN, Number.POSITIVE_INFINITY, -0]],
    ['nested registered instances', { v: [new Vec(3, 4), new Vec(1, 0)] }],
  ];
  test.each(table)('%s', (_name, value) => {
    expect(roundTrip(value)).toEqual(value);
  });

  test('a Buffer comes back as a Buffer and a typed array as its own type', () => {
    expect(Buffer.isBuffer(roundTrip(Buffer.from([1])))).toBe(true);
    expect(roundTrip(new Int16Array([1]))).toBeInstanceOf(Int16Array);
  });

  test('registered class instances keep their prototype (methods work) without a constructor call', () => {
    const v = roundTrip(new Vec(3, 4));
    expect(v).toBeInstanceOf(Vec);
    expect(v.len()).toBe(5);
  });

  test('an Error argument keeps name, message and code', () => {
    const e = Object.assign(new RangeError('too big'), { code: 'E_BIG' });
    const back = roundTrip(e) as RangeError & { code: string };
    expect(back.message).toBe('too big');
    expect(back.name).toBe('RangeError');
    expect(back.code).toBe('E_BIG');
  });

  test('cycles survive', () => {
    const a: { self?: unknown; n: number } = { n: 1 };
    a.self = a;
    const back = roundTrip(a) as typeof a;
    expect(back.self).toBe(back);
  });
});

describe('values that cannot cross fail with their path', () => {
  const rows: Array<[string, unknown, string, string?]> = [
    ['a function', [1, { onDone: () => 1 }], 'args[1].onDone is a function'],
    ['a symbol', [Symbol('s')], 'args[0] is a symbol (Symbol(s))'],
    ['a socket', [{ conn: new Socket() }], 'args[0].conn is an instance of Socket, which is not registered'],
    ['an unregistered class', [[new Unregistered()]], 'args[0][0] is an instance of Unregistered, which is not registered; pass plain data, or call register(Unregistered)'],
    ['a promise', [Promise.resolve(1)], 'args[0] is a Promise; await it'],
    ['a function inside a Map', [new Map([['k', () => 1]])], 'args[0].get("k") is a function'],
    ['a WeakMap', [{ w: new WeakMap() }], 'args[0].w is a WeakMap'],
    ['an odd key', [{ 'a b': () => 1 }], 'args[0]["a b"] is a function', 'args[0]["a b"]'],
  ];
  const cases = rows.map(([name, value, message, path]) => ({ name, value, message, path }));
  test.each(cases)('$name', ({ value, message, path }) => {
    let caught: unknown;
    try {
      serialize(value, 'args');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SerializationError);
    expect((caught as Error).message).toContain(message);
    expect((caught as SerializationError).path).toBe(path ?? message.split(' ')[0]);
  });
});

describe('errors across the wire', () => {
  class DomainError extends Error {
    constructor(
      message: string,
      public readonly code: number,
    ) {
      super(message);
      this.name = 'DomainError';
    }
  }

  test('keeps class, message, props, cause chain and the remote stack', () => {
    const thrown = new DomainError('outer', 42);
    (thrown as Error).cause = new TypeError('inner');
    const enc = JSON.parse(JSON.stringify(encodeError(thrown)));
    const back = decodeError(enc, { lookup: (name) => (name === 'DomainError' ? DomainError : undefined), banner: 'BANNER' });
    expect(back).toBeInstanceOf(DomainError);
    expect(back.message).toBe('outer');
    expect((back as DomainError).code).toBe(42);
    expect((back.cause as Error).message).toBe('inner');
    expect((back.cause as Error).name).toBe('TypeError');
    expect(back.stack).toContain('serialize.test.ts');
    expect(back.stack).toContain('BANNER');
  });

  test('an unknown class becomes a RemoteError keeping name and message', () => {
    const enc = encodeError(new DomainError('nope', 1));
    const back = decodeError(enc);
    expect(back.name).toBe('DomainError');
    expect(back.message).toBe('nope');
    expect(back.constructor.name).toBe('RemoteError');
  });

  test('a thrown non-Error keeps its text', () => {
    const back = decodeError(encodeError('plain text'));
    expect(back.message).toBe('plain text');
  });

  test('uncrossable error props are dropped and listed, not fatal', () => {
    const e = Object.assign(new Error('x'), { fn: () => 1, ok: 2 });
    const enc = encodeError(e);
    expect(enc.droppedProps).toEqual(['fn is a function']);
    expect((decodeError(enc) as unknown as { ok: number }).ok).toBe(2);
  });
});
