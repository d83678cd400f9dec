/**
 * The parts of a run that concern the remote side's environment and files, kept apart from the
 * submit/watch pipeline in job-run.ts: the Node check, external packages, and holding results
 * until `outputs` have been fetched.
 */
import { isClustrixError, TransportError } from '../../errors.js';
import type { JobOptions } from '../../options.js';
import type { JobStatus } from '../../scheduler/contract.js';
import type { Bundle } from '../../ship/bundler.js';
import type { Transport } from '../../transport/contract.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import type { Outcome } from '../run/job-outcome.js';
import { deferred } from '../../util/deferred.js';
import { depsPlan, ensureRemoteDeps } from './externals.js';
import { checkOutputPatterns, fetchOutputs, type InputFile } from './inputs.js';
import { checkRemoteNode, preparationScript } from './node-check.js';

/** Transports whose `exec` runs where the job's Node will run (a login host or this machine). */
const CHECKABLE = new Set(['local', 'ssh']);

export async function checkNodeBeforeSubmit(rt: ClusterRuntime, options: JobOptions): Promise<void> {
  if (!CHECKABLE.has(rt.transport.kind)) return;
  await checkRemoteNode({ transport: rt.transport, clusterName: rt.name, options });
}

/** Install the bundle's external packages on the cluster (once per lockfile hash); the folder the bundle goes into. */
export async function stageExternals(rt: ClusterRuntime, bundle: Bundle, moduleFile: string, options: JobOptions): Promise<string | undefined> {
  if (rt.transport.sharesFilesystem) return undefined; // resolved from this machine's node_modules
  const plan = depsPlan(bundle.externals, moduleFile);
  if (!plan) return undefined;
  return ensureRemoteDeps(rt.transport, rt.remoteRoot, plan, preparationScript(options), options.nodePath ?? 'node');
}

/** Items of a job with `outputs` settle only after the outputs are fetched (so the files exist when the caller reads them). */
export class OutputsGate {
  private readonly done = deferred<void>();

  /** Checks the patterns now, before anything is submitted. */
  constructor(patterns: readonly string[]) {
    checkOutputPatterns(patterns);
  }
  /** Local paths written. */
  written: string[] = [];

  async fetch(transport: Transport, jobDir: string, options: JobOptions, final: JobStatus, jobId: string, inputs: readonly InputFile[]): Promise<void> {
    try {
      this.written = await fetchOutputs(transport, jobDir, options.outputs ?? [], options.outputDir ?? process.cwd(), {
        succeeded: final.state === 'completed',
        inputs: inputs.map((i) => i.rel),
        jobId,
      });
      this.done.resolve();
    } catch (err) {
      this.done.reject(
        isClustrixError(err) ? err : new TransportError(`cannot fetch the outputs of job ${jobId}: ${(err as Error).message}`, { scope: transport.kind, jobId, cause: err }),
      );
      this.done.promise.catch(() => undefined);
    }
  }

  /** A successful outcome becomes the fetch error if fetching failed; failures stay as they are. */
  async apply(outcome: Outcome): Promise<Outcome> {
    try {
      await this.done.promise;
      return outcome;
    } catch (err) {
      return outcome.ok ? { ok: false, error: err } : outcome;
    }
  }
}

