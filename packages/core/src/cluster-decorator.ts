/**
 * `@cluster`: put it on an async method (instance or static) and calls run as jobs on a cluster.
 *
 *   export class Estimator {
 *     constructor(public samples: number) {}
 *     @cluster({ cpus: 1, time: '10m' })
 *     async estimate(seed: number): Promise<number> { ... }
 *   }
 *
 * Options are checked when the class is defined; the call's arguments when it is made.
 */
import './polyfill.js';
import { parseOrThrow } from './config/issues.js';
import { dispatchCall } from './exec/call/dispatch.js';
import { jobOptionsSchema, type JobOptions } from './options.js';
import { makeClusterDecorator } from './runtime/decorator.js';
import { captureDefinitionSite } from './ship/definition-site.js';

export const cluster = makeClusterDecorator<JobOptions>({
  dispatch: dispatchCall,
  validateOptions: (options, where) => {
    parseOrThrow(jobOptionsSchema, options, { source: where, scope: 'decorator' });
  },
  site: captureDefinitionSite,
});
