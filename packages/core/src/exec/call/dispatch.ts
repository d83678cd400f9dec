/** Where a decorated method's call goes when it is not running inside a job. */
import type { CallInfo } from '../../runtime/decorator.js';
import { newJobId } from '../../util/ids.js';
import { currentCallContext } from './call-context.js';
import { JobHandle } from '../run/job-handle.js';
import { CallRun } from '../run/call-run.js';
import { runForKey } from './call-key.js';
import { prepareCall } from './prepare.js';

export function dispatchCall(info: CallInfo): Promise<unknown> {
  const ctx = currentCallContext();
  const options = ctx?.options ?? {};
  if (ctx?.collector) {
    const collected = ctx.collector.add(info, options);
    if (collected) return collected;
  }
  const prepared = prepareCall(info, options);
  const runOptions = { array: false, ...(options.signal ? { signal: options.signal } : {}) };
  if (options.key !== undefined) {
    return runForKey(options.key, [prepared], runOptions).then((run) => {
      const handle = new JobHandle(run);
      ctx?.onHandle?.(handle);
      return handle.result();
    });
  }
  const run = new CallRun([prepared], { jobId: newJobId(), ...runOptions });
  const handle = new JobHandle(run);
  ctx?.onHandle?.(handle);
  return handle.result();
}
