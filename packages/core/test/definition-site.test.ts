// Where a decorator error points: the decorated member's line in the user's source, read from the stack text
// (source-mapped by tsx / --enable-source-maps), skipping the helpers a compiler injects on line 1.
import { describe, expect, test } from '@jest/globals';
import { siteFromStack } from '../src/ship/definition-site.js';

// Captured from `tsx` (4.x) running a module whose getter carries @cluster, the decorator on line 8, the getter on 9.
const TSX_STACK = `DefinitionError: [clustrix] [decorator] @cluster is on a getter 'thing'
    at decorate (/work/main/packages/core/src/runtime/decorator.ts:65:13)
    at <anonymous> (/work/main/packages/core/src/runtime/decorator.ts:134:59)
    at __decorateElement (file:///work/main/examples/src/tmp/bad-site.ts:1:2161)
    at <anonymous> (/work/main/examples/src/tmp/bad-site.ts:9:3)
    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)`;

// tsc's lowering of standard decorators, run by node on the compiled output.
const TSC_STACK = `Error
    at __esDecorate (file:///app/dist/jobs.js:2:3)
    at file:///app/dist/jobs.js:31:13
    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)`;

describe('the definition site of a decorator', () => {
  test('under tsx: the member line, not line 1 of esbuild helpers', () => {
    expect(siteFromStack(TSX_STACK.replaceAll('/work/main/packages/core/src', '/opt/x/node_modules/@clustrix/core/src'))).toEqual({
      file: '/work/main/examples/src/tmp/bad-site.ts',
      line: 9,
    });
  });

  test('compiled by tsc: the line of the lowered decorator call, not the __esDecorate helper', () => {
    expect(siteFromStack(TSC_STACK)).toEqual({ file: '/app/dist/jobs.js', line: 31 });
  });
});
