/**
 * `@clustrix/wire`: what the caller (@clustrix/core) and the node-side runner (@clustrix/remote-runner) share,
 * and nothing heavier (no config loader, no bundler, no SSH). State that both the user's bundle and the runner
 * bundle touch (the class registry, the job context, the `@cluster` metadata, the error brand) lives on
 * `globalThis` under `Symbol.for(...)` keys, so two bundled copies of this package still share it.
 */
import './polyfill.js';

export * from './protocol.js';
export {
  serialize,
  serializeWithBlobs,
  deserialize,
  blobMemory,
  findUncrossable,
  instanceState,
  BLOB_MIN_BYTES,
  type SerializedValue,
  type BlobRef,
} from './serialize.js';
export { BLOB_ALIGN, blobsFrom, CompanionLayout, companionBytes, companionOf, companionSize, hasBlobs, loadBlobs, writeCompanion } from './blob-file.js';
export { encodeError, decodeError, type EncodedError, type DecodeContext } from './error-codec.js';
export { writeFileAtomic } from './atomic.js';
export { onTermCheckpoint, requeueable, requeueCheckpointFile, takeRequeueCheckpoint, type RequeueCheckpoint } from './requeue-checkpoint.js';
export {
  register,
  registeredClass,
  registeredById,
  ambiguousIds,
  registryVersion,
  allRegistered,
  type AnyClass,
  type RegisteredClass,
  type RegisterOptions,
} from './class-registry.js';
export { CLUSTRIX_METADATA, ownClassRecord, classRecord, type ClassRecord, type MethodRecord, type DefinitionSite } from './class-metadata.js';
export { setJobEnvironment, jobEnvironment, isInJob, type JobEnvironment, type JobAllocation } from './job-context.js';
export { allocationFromEnv, expandHostlist } from './allocation.js';
export * from './errors.js';
