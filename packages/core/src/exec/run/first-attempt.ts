/**
 * The first submission of a call (or of a fan-out's calls): bundle the defining module, stage the
 * runner, the bundle and the inputs, write the job folder, submit. What comes after (watching,
 * collecting, retrying) is the supervisor's.
 */
import { homedir } from 'node:os';
import type { JobOptions } from '../../options.js';
import { jobEnv } from '../../resources/export-env.js';
import type { JobRef } from '../../scheduler/contract.js';
import { bundleModule, defaultCacheDir } from '../../ship/bundler.js';
import { exportNameOf, type ClassModule } from '../../ship/locate.js';
import { runnerFile } from '../../ship/runner-file.js';
import { CompanionLayout, PROTOCOL_VERSION, hasBlobs, instanceState, jobFiles, serialize, type JobFile } from '@clustrix/wire';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { carriesCompanions, planCompanions, writeStreamedCompanions } from '../files/companions.js';
import { stageExternals } from '../files/externals.js';
import { planInputs, stageInputs, type InputFile } from '../files/inputs.js';
import { checkNodeBeforeSubmit } from '../files/node-check.js';
import type { PreparedCall } from './prepared-call.js';

export interface FirstAttemptInput {
  rt: ClusterRuntime;
  calls: PreparedCall[];
  jobId: string;
  array: boolean;
  concurrency?: number;
  options: JobOptions;
  where: ClassModule;
  cacheDir: string | undefined;
  /** Seconds before the time limit at which the runner checkpoints by itself (undefined: no timer). */
  checkpointTimer?: number;
  checkpoint: boolean;
  /** Checked just before the job folder is written and before submitting: throw to stop. */
  checkCancelled(): void;
  onSubmitting(): void;
}

export interface FirstAttempt {
  ref: JobRef;
  jobDir: string;
  /** `[node, runner]`: what runs a job folder (retries reuse it). */
  command: string[];
  inputs: InputFile[];
}

/** Checks that need no upload: Node on the cluster, the input files. Then bundle and stage. */
export async function submitFirstAttempt(input: FirstAttemptInput): Promise<FirstAttempt> {
  const { rt, calls, options } = input;
  const { info } = calls[0]!;
  const moduleFile = input.where.file;
  const [, inputs] = await Promise.all([checkNodeBeforeSubmit(rt.transport, rt.name, options), planInputs(options.inputs ?? [], process.cwd())]);
  const cacheDir = input.cacheDir ?? defaultCacheDir(moduleFile, homedir());
  const bundle = await bundleModule(moduleFile, { cacheDir, externals: options.externals ?? [] });
  const exportName = await exportNameOf(info.cls, input.where, bundle.exports);
  const runner = await runnerFile(cacheDir);
  const depsDir = await stageExternals(rt.transport, rt.remoteRoot, bundle, moduleFile, options);
  const [runnerPath, bundlePath] = await Promise.all([rt.stager.runnerPath(runner), rt.stager.bundlePath(bundle, depsDir)]);
  input.checkCancelled();

  const { files, companions } = jobFolderFiles(input, bundlePath, exportName);
  const bytes = planCompanions(rt.transport, companions);
  input.onSubmitting();
  const jobDir = await rt.stager.writeJob(input.jobId, { ...files, ...bytes.batch });
  await writeStreamedCompanions(rt.transport, jobDir, bytes.streamed);
  await stageInputs(rt.transport, rt.remoteRoot, jobDir, inputs);
  try {
    input.checkCancelled();
  } catch (err) {
    await rt.transport.remove(jobDir, { recursive: true }).catch(() => undefined);
    throw err;
  }
  const command = [options.nodePath ?? 'node', runnerPath];
  const ref = await rt.scheduler.submit({
    jobId: input.jobId,
    jobDir,
    command: [...command, jobDir],
    ...(input.array ? { count: calls.length } : {}),
    ...(input.concurrency ? { concurrency: input.concurrency } : {}),
    options,
    label: `${info.cls.name}.${info.method}`,
  });
  return { ref, jobDir, command, inputs };
}

/** `call` with its bytes inline (base64), for a transport that does not carry companion files. */
function inlineBytes(call: PreparedCall): PreparedCall {
  if (!hasBlobs(call.args, call.instance)) return call;
  const { info } = call;
  const args = serialize(info.args, 'args');
  return { ...call, args, ...(call.instance ? { instance: serialize(instanceState(info.self as object), 'this') } : {}) };
}

/** job.json, and one items/<i>.json per item of an array job; their large bytes, laid out for their companion files. */
function jobFolderFiles(
  input: FirstAttemptInput,
  bundlePath: string,
  exportName: string,
): { files: Record<string, string>; companions: Record<string, CompanionLayout> } {
  const { rt, options } = input;
  const binary = carriesCompanions(rt.transport);
  const calls = binary ? input.calls : input.calls.map(inlineBytes);
  const first = calls[0]!;
  const { info } = first;
  const sameInstance = calls.every((c) => c.instance === undefined || c.info.self === info.self);
  const jobFile: JobFile = {
    protocol: PROTOCOL_VERSION,
    jobId: input.jobId,
    cluster: rt.name,
    scheduler: rt.scheduler.name,
    bundle: bundlePath,
    target: { exportName, className: info.cls.name, method: info.method, static: info.isStatic },
    submittedAt: new Date().toISOString(),
    ...(jobEnv(options) ? { env: jobEnv(options)! } : {}),
    ...(input.checkpoint ? { checkpoint: input.checkpointTimer !== undefined ? { timerSeconds: input.checkpointTimer } : {} } : {}),
    ...(binary ? { blobs: true } : {}),
  };
  const files: Record<string, string> = {};
  const jobBytes = new CompanionLayout();
  const companions: Record<string, CompanionLayout> = { [jobFiles.job]: jobBytes };
  if (input.array) {
    jobFile.items = calls.length;
    jobFile.indexEnv = rt.scheduler.arrayIndex.env;
    jobFile.indexBase = rt.scheduler.arrayIndex.base;
    if (sameInstance && first.instance) jobFile.instance = jobBytes.place(first.instance);
    calls.forEach((c, i) => {
      const itemBytes = (companions[jobFiles.item(i)] = new CompanionLayout());
      const instance = !sameInstance && c.instance ? { instance: itemBytes.place(c.instance) } : {};
      files[jobFiles.item(i)] = JSON.stringify({ args: itemBytes.place(c.args), ...instance });
    });
    for (const d of jobFiles.arrayDirs) files[`${d}/`] = '';
  } else {
    jobFile.args = jobBytes.place(first.args);
    if (first.instance) jobFile.instance = jobBytes.place(first.instance);
  }
  files[jobFiles.job] = JSON.stringify(jobFile);
  return { files, companions };
}
