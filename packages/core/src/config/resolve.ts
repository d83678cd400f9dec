/** Resolve what one call runs with: which cluster, the cluster's settings, and the job's options. */
import { ConfigError } from '../errors.js';
import { jobOptionsShape, type JobOptions } from '../options.js';
import { deepMerge } from './merge.js';
import type { ClusterProfile, ClustrixConfig } from './schema.js';

export interface ResolvedCall {
  clusterName: string;
  /** The cluster's settings: top-level poll/staging defaults merged under the profile. */
  profile: ClusterProfile;
  /** The job's options: config defaults < profile < decorator < call. */
  options: JobOptions;
}

const JOB_KEYS = new Set(Object.keys(jobOptionsShape));

function pickJobKeys(obj: Record<string, unknown>): JobOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (JOB_KEYS.has(k) && k !== 'cluster') out[k] = v;
  return out as JobOptions;
}

export function profileFor(config: ClustrixConfig, name: string): ClusterProfile {
  const profile = config.clusters?.[name];
  if (profile) return profile as ClusterProfile;
  if (name === 'local') return { scheduler: 'local' };
  const known = ['local', ...Object.keys(config.clusters ?? {})].filter((v, i, a) => a.indexOf(v) === i);
  throw new ConfigError(`no cluster named '${name}'; configured clusters: ${known.join(', ')}. Add it under \`clusters\` in your config file`, {
    keyPath: `clusters.${name}`,
  });
}

export function resolveCall(config: ClustrixConfig, decorator: JobOptions = {}, call: JobOptions = {}): ResolvedCall {
  const clusterName = call.cluster ?? decorator.cluster ?? config.defaultCluster ?? 'local';
  const rawProfile = profileFor(config, clusterName);
  const { clusters: _c, defaultCluster: _d, cacheDir: _cache, registryDir: _registry, ...topLevel } = config;
  const profile = deepMerge<ClusterProfile>(topLevel as Record<string, unknown>, rawProfile);
  if (!profile.scheduler) profile.scheduler = clusterName === 'local' ? 'local' : 'local';
  const { cluster: _dc, ...dec } = decorator;
  const { cluster: _cc, ...cal } = call;
  const options = deepMerge<JobOptions>(pickJobKeys(profile), dec, cal);
  return { clusterName, profile, options };
}
