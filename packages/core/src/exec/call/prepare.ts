/**
 * Everything about a call that can be checked without I/O is checked here, synchronously, when the
 * method is called: call options are validated and the arguments and instance are serialized. A
 * value that cannot cross fails now, before anything is bundled or submitted. Large typed arrays,
 * Buffers, ArrayBuffers and DataViews are not copied here: their memory is written to the job
 * folder's companion files when the folder is written (before submitting).
 */
import { z } from 'zod';
import { parseOrThrow } from '../../config/issues.js';
import { SerializationError } from '../../errors.js';
import { callKeySchema, jobOptionsSchema, type CallOptions } from '../../options.js';
import type { CallInfo } from '../../runtime/decorator.js';
import { instanceState, serializeWithBlobs, type SerializedValue } from '@clustrix/wire';
import type { PreparedCall } from '../run/prepared-call.js';

export type { PreparedCall } from '../run/prepared-call.js';

export function validateCallOptions(options: CallOptions, source: string): void {
  const { signal: _signal, key, ...rest } = options;
  parseOrThrow(jobOptionsSchema, rest, { source });
  if (key !== undefined) parseOrThrow(z.object({ key: callKeySchema }), { key }, { source });
}

export function callerFrames(): string {
  const stack = new Error().stack ?? '';
  return stack
    .split('\n')
    .slice(1)
    .filter((l) => !/[\\/]packages[\\/]core[\\/](src|dist)[\\/]|[\\/]@clustrix[\\/]core[\\/]|node:internal/.test(l))
    .join('\n');
}

export function prepareCall(info: CallInfo, options: CallOptions, pathPrefix = ''): PreparedCall {
  validateCallOptions(options, 'call options');
  const args = serializeWithBlobs(info.args, `${pathPrefix}args`);
  let instance: SerializedValue | undefined;
  if (!info.isStatic) {
    if (typeof info.self !== 'object' || info.self === null) {
      throw new SerializationError(`${info.cls?.name ?? 'the class'}.${info.method} was called without an instance (is \`this\` lost? call it as obj.${info.method}(...))`, {
        path: `${pathPrefix}this`,
      });
    }
    instance = serializeWithBlobs(instanceState(info.self), `${pathPrefix}this`);
  }
  return { info, options, args, ...(instance ? { instance } : {}), localFrames: callerFrames() };
}
