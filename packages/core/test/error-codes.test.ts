// Every error class has its own stable `code`, documented in docs/errors.md, and the code crosses the wire with
// the error (the runner encodes it, the caller decodes it; a RemoteError keeps REMOTE and the original's code apart).
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as errors from '../src/errors.js';
import { BatchError, ClustrixError, RemoteError, type ClustrixErrorCode } from '../src/errors.js';
import { matchesRetryOn, retryPolicyOf } from '../src/exec/run/retry-policy.js';
import { decodeError, encodeError } from '@clustrix/wire';

type ErrorClass = new (...args: never[]) => ClustrixError;

const isErrorClass = (v: unknown): v is ErrorClass =>
  typeof v === 'function' && (v === ClustrixError || Object.prototype.isPrototypeOf.call(ClustrixError.prototype, v.prototype));
/** Every error class errors.ts exports, by name. */
const classes: Array<[string, ErrorClass]> = Object.entries(errors as Record<string, unknown>).flatMap(([name, v]) => (isErrorClass(v) ? [[name, v] as [string, ErrorClass]] : []));

/** One instance of each class (BatchError takes its results second; the others take options). */
function instance(Cls: ErrorClass): ClustrixError {
  if ((Cls as unknown) === BatchError) return new BatchError('some items failed', []);
  return new (Cls as unknown as new (m: string, o: object) => ClustrixError)('it failed', { path: 'args[0]', remoteName: 'DomainError', jobId: 'j1' });
}

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
/** The table's rows: code → class. */
const documented = new Map([...doc.matchAll(/^\| `([A-Z_]+)` \| `(\w+)`/gm)].map((m) => [m[1]!, m[2]!]));

describe('error codes', () => {
  test('every exported error class is found (the list below is not empty by accident)', () => {
    expect(classes.map(([name]) => name)).toEqual(expect.arrayContaining(['ClustrixError', 'ConfigError', 'BadValueError', 'TransportError', 'HostKeyError', 'RemoteError', 'BatchError', 'NodeFailError']));
    expect(classes.length).toBeGreaterThanOrEqual(20);
  });

  test.each(classes)('%s has a code of its own, documented in docs/errors.md', (name, Cls) => {
    const e = instance(Cls);
    expect(e).toBeInstanceOf(Cls);
    expect(e.code).toMatch(/^[A-Z][A-Z_]+$/);
    expect(documented.get(e.code)).toBe(name);
  });

  test('no two classes share a code, and the table has no row for a class that does not exist', () => {
    const codes = classes.map(([, Cls]) => instance(Cls).code);
    expect(new Set(codes).size).toBe(classes.length);
    expect([...documented.keys()].sort()).toEqual([...codes].sort());
  });

  test('a subclass narrows its parent\'s code: the union type names every code', () => {
    const all: ClustrixErrorCode[] = classes.map(([, Cls]) => instance(Cls).code);
    expect(all).toContain('BAD_VALUE');
    expect(new errors.BadValueError('x').code).toBe('BAD_VALUE');
    expect(new errors.ConfigError('x').code).toBe('CONFIG');
    expect(new errors.UnsafeStagingError('x').code).toBe('UNSAFE_STAGING');
  });
});

describe('the code across the wire', () => {
  const wire = (e: unknown) => JSON.parse(JSON.stringify(encodeError(e))) as ReturnType<typeof encodeError>;

  test.each(classes.filter(([name]) => name !== 'RemoteError'))('%s comes back with its code when the class is known', (_name, Cls) => {
    const sent = instance(Cls);
    const back = decodeError(wire(sent), { lookup: () => Cls }) as ClustrixError;
    expect(back).toBeInstanceOf(Cls);
    expect(back.code).toBe(sent.code);
  });

  test('a Clustrix error whose class is unknown here is a RemoteError: code REMOTE, the original code in remoteCode', () => {
    const back = decodeError(wire(new errors.NodeFailError('node n1 died'))) as RemoteError;
    expect(back).toBeInstanceOf(RemoteError);
    expect(back.code).toBe('REMOTE');
    expect(back.remoteCode).toBe('NODE_FAIL');
  });

  test("a user error's own code survives as remoteCode, and retryOn still matches it", () => {
    class FetchFailure extends Error {
      code = 'ECONNRESET';
    }
    const back = decodeError(wire(new FetchFailure('reset'))) as RemoteError;
    expect([back.code, back.remoteCode, back.name]).toEqual(['REMOTE', 'ECONNRESET', 'Error']);
    expect(matchesRetryOn(back, retryPolicyOf({ retryOn: ['ECONNRESET'] }).retryOn)).toBe(true);
    expect(matchesRetryOn(back, retryPolicyOf({ retryOn: ['REMOTE'] }).retryOn)).toBe(true);
    expect(matchesRetryOn(back, retryPolicyOf({ retryOn: ['EPIPE'] }).retryOn)).toBe(false);
  });
});
