/** @clustrix/remote-runner: the job runner as a library (the `clustrix-runner` bin wraps it). */
export { runJob, resolveIndex, findTargetClass } from './run-job.js';
