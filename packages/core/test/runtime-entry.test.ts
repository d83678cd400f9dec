import { describe, expect, test } from '@jest/globals';
import * as full from '@clustrix/core';
import * as runtime from '../src/runtime/index.js';
import { setJobEnvironment } from '@clustrix/wire';

describe('the runtime entry bundled into shipped code', () => {
  test('exports every name the full entry exports, so any import of @clustrix/core bundles', () => {
    const missing = Object.keys(full).filter((k) => !(k in runtime));
    expect(missing).toEqual([]);
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
