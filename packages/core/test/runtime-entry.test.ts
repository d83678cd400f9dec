import { describe, expect, test } from '@jest/globals';
import * as user from '@clustrix/core';
import * as jobs from '@clustrix/core/jobs';
import * as scheduler from '@clustrix/core/scheduler';
import * as errors from '../src/errors.js';
import * as runtime from '../src/runtime/index.js';
import { setJobEnvironment } from '@clustrix/wire';

/** The user entry's budget: at most this many values besides the error classes. */
const USER_VALUES_MAX = 25;

function isErrorClass(value: unknown): boolean {
  return typeof value === 'function' && (value === errors.ClustrixError || value.prototype instanceof errors.ClustrixError);
}

describe('the entry points by audience', () => {
  test('the user entry exports at most 25 values besides the error classes, and every error class', () => {
    const values = Object.keys(user).filter((k) => !isErrorClass((user as Record<string, unknown>)[k]));
    expect(values.length).toBeLessThanOrEqual(USER_VALUES_MAX);
    const errorClasses = Object.keys(errors).filter((k) => isErrorClass((errors as Record<string, unknown>)[k]));
    expect(errorClasses.length).toBeGreaterThan(10);
    expect(errorClasses.filter((k) => !(k in user))).toEqual([]);
  });

  test('no value is exported by two entries, except the errors (users catch them, schedulers throw them)', () => {
    const entries = { user, scheduler, jobs } as Record<string, Record<string, unknown>>;
    const owners = new Map<string, string[]>();
    for (const [entry, mod] of Object.entries(entries)) {
      for (const k of Object.keys(mod)) if (!(k in errors)) owners.set(k, [...(owners.get(k) ?? []), entry]);
    }
    const shared = [...owners].filter(([, where]) => where.length > 1).map(([k, where]) => `${k}: ${where.join(', ')}`);
    expect(shared).toEqual([]);
  });
});

describe('the runtime entry bundled into shipped code', () => {
  test('exports exactly the value names of the user entry, so any import of @clustrix/core bundles', () => {
    expect(Object.keys(runtime).sort()).toEqual(Object.keys(user).sort());
  });

  test('inside a job the submission API says it is not available, and withOptions runs the function', async () => {
    expect(() => runtime.submit()).toThrow(/submit\(\) is not available inside a running job/);
    await expect(runtime.withOptions({}, async () => 5)).resolves.toBe(5);
    const results = await runtime.map([1, 2], async (x) => x * 2);
    expect(results).toEqual([2, 4]);
  });

  test('a decorated method runs directly inside a job', async () => {
    class K {
      @runtime.cluster()
      async twice(x: number): Promise<number> {
        return x * 2;
      }
    }
    setJobEnvironment({ jobId: 'j', jobDir: '/tmp', cluster: 'c', scheduler: 'local', hostname: 'h' });
    try {
      await expect(new K().twice(4)).resolves.toBe(8);
    } finally {
      setJobEnvironment(undefined);
    }
  });
});
