/**
 * `@clustrix/core/wire`: the job-folder protocol, serialization and the error codec, as @clustrix/wire provides
 * them (kept as a subpath of core for code that imports it from here). The job runner (`runJob`) is
 * `@clustrix/remote-runner`.
 */
export {
  PROTOCOL_VERSION,
  jobFiles,
  RUNNER_EXIT,
  type JobTarget,
  type JobFile,
  type CheckpointSettings,
  type ItemFile,
  type CheckpointFile,
  type ResultFile,
  type ErrorFile,
} from '@clustrix/wire';
export { serialize, deserialize, findUncrossable, instanceState, type SerializedValue } from '@clustrix/wire';
export { encodeError, decodeError, type EncodedError, type DecodeContext } from '@clustrix/wire';
export { writeFileAtomic } from '@clustrix/wire';
