/**
 * The first stage of a run: what the call resolves to before anything is recorded or submitted —
 * its options (call > decorator > configuration), its cluster's runtime, the options that runtime's
 * scheduler cannot honour (an error), the checkpoint policy, and the module defining the class.
 */
import { resolve } from 'node:path';
import { currentConfig } from '../../config/current.js';
import { resolveCall } from '../../config/resolve.js';
import type { ClusterProfile } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import { checkpointLeadSeconds, RESOURCE_KEYS, type CallOptions, type JobOptions, type ResourceKey } from '../../options.js';
import { parseTime } from '../../resources/parse.js';
import { moduleFileOf, type ClassModule } from '../../ship/locate.js';
import { clusterRuntime, type ClusterRuntime } from '../cluster/cluster-runtime.js';
import { checkOutputPatterns } from '../files/outputs.js';
import type { PreparedCall } from './prepared-call.js';
import { effectiveCheckpoints } from './retry-policy.js';

export interface ResolvedRun {
  rt: ClusterRuntime;
  profile: ClusterProfile;
  /** The job's options, resolved; `checkpoints` as the class allows, `outputDir` absolute when there are `outputs`. */
  options: JobOptions;
  where: ClassModule;
  cacheDir: string | undefined;
  /** Seconds before the time limit at which the job checkpoints (undefined: it does not). */
  checkpointLead?: number;
  /** The time limit in seconds, when there is one. */
  time?: number;
}

/** Resource keys the options set (an empty list or object sets nothing). */
function setKeys(options: JobOptions): ResourceKey[] {
  return RESOURCE_KEYS.filter((k) => {
    const v = options[k];
    return v !== undefined && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
  });
}

function checkSupported(rt: ClusterRuntime, options: JobOptions): void {
  const unsupported = setKeys(options).filter((k) => !rt.scheduler.supports.has(k));
  if (!unsupported.length) return;
  throw new ConfigError(
    `the ${rt.scheduler.name} scheduler of cluster '${rt.name}' cannot honour ${unsupported.map((k) => `\`${k}\``).join(', ')}; ` +
      `it honours ${[...rt.scheduler.supports].join(', ')}. Remove the option or run on a cluster that supports it`,
    { scope: rt.scheduler.name, keyPath: unsupported[0]! },
  );
}

function stripCallOnly(options: CallOptions): JobOptions {
  const { signal: _s, key: _k, ...rest } = options;
  return rest;
}

/**
 * The most items one array job may have on the cluster `first` resolves to: the profile's `maxArrayItems`,
 * else what its scheduler says (read once per connection). Undefined when no limit is known, or when the
 * cluster cannot be resolved (the run itself then says why).
 */
export async function arrayLimitOf(first: PreparedCall): Promise<number | undefined> {
  try {
    const resolved = resolveCall((await currentConfig()).merged, first.info.options as JobOptions, stripCallOnly(first.options));
    if (resolved.profile.maxArrayItems !== undefined) return resolved.profile.maxArrayItems;
    const rt = await clusterRuntime(resolved.clusterName, resolved.profile);
    return (await rt.scheduler.limits?.())?.maxArrayItems;
  } catch {
    return undefined;
  }
}

/** Resolve the run of `first` (and the calls of its fan-out); `seen` hears the cluster's name, then its runtime, as soon as each is known. */
export async function resolveRun(first: PreparedCall, seen: { cluster?: string; runtime?: ClusterRuntime }): Promise<ResolvedRun> {
  const { info } = first;
  const config = (await currentConfig()).merged;
  const resolved = resolveCall(config, info.options as JobOptions, stripCallOnly(first.options));
  seen.cluster = resolved.clusterName;
  const rt = await clusterRuntime(resolved.clusterName, resolved.profile);
  seen.runtime = rt;
  const options: JobOptions = { ...resolved.options };
  checkSupported(rt, options);
  const hasCheckpoint = !info.isStatic && typeof (info.cls as unknown as { prototype: Record<string, unknown> }).prototype.checkpoint === 'function';
  options.checkpoints = effectiveCheckpoints(options, hasCheckpoint);
  const lead = checkpointLeadSeconds(options);
  const time = options.time !== undefined ? parseTime(options.time) : undefined;
  const where = moduleFileOf(info.cls);
  if (options.outputs?.length) {
    checkOutputPatterns(options.outputs);
    options.outputDir = resolve(options.outputDir ?? process.cwd());
  }
  return {
    rt,
    profile: resolved.profile,
    options,
    where,
    cacheDir: config.cacheDir,
    ...(lead !== undefined ? { checkpointLead: lead } : {}),
    ...(time !== undefined ? { time } : {}),
  };
}
