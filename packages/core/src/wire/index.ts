/**
 * `@clustrix/core/wire`: the job-folder protocol, serialization and the job runner — everything the
 * remote runner needs and nothing heavier (no config loader, no bundler, no SSH).
 */
export * from './protocol.js';
export { serialize, deserialize, findUncrossable, instanceState, type SerializedValue } from './serialize.js';
export { encodeError, decodeError, type EncodedError, type DecodeContext } from './error-codec.js';
export { runJob, resolveIndex, findTargetClass } from './run-job.js';
export { writeFileAtomic } from './atomic.js';
