/** A call as a run takes it: checked and serialized when the method was called (call/prepare.ts). */
import type { CallOptions } from '../../options.js';
import type { CallInfo } from '../../runtime/decorator.js';
import type { SerializedValue } from '@clustrix/wire';

export interface PreparedCall {
  info: CallInfo;
  options: CallOptions;
  args: SerializedValue;
  /** Serialized own state of `this` (instance methods). */
  instance?: SerializedValue;
  /** The caller's stack frames, shown under a remote error's stack. */
  localFrames: string;
}
