/**
 * Shipped code sees `@clustrix/core` as its small runtime entry (runtime/index.ts). The other entries —
 * `@clustrix/core/scheduler`, `/jobs`, `/wire`, `/runtime` — have no shipped form: a module that defines a
 * `@cluster` class and imports one of them cannot be bundled. This esbuild plugin says so, naming the import and
 * what to do, instead of esbuild's "Cannot read directory .../runtime/index.js".
 */
import type { Plugin } from 'esbuild';

export function coreSubpathsPlugin(): Plugin {
  return {
    name: 'clustrix-core-subpaths',
    setup(build) {
      build.onResolve({ filter: /^@clustrix\/core\/./ }, (args) => ({
        errors: [
          {
            text:
              `'${args.path}' cannot be shipped: code that runs on the cluster may import only '@clustrix/core' ` +
              `(the decorator, jobEnvironment, the errors...). Move what uses '${args.path}' (tooling, scheduler code) ` +
              'out of the module that defines the @cluster class, into one only the submitting side imports',
          },
        ],
      }));
    },
  };
}
