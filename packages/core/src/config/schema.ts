/**
 * The configuration file's schema. Keys a cluster profile may carry beyond these come from its
 * scheduler package (`optionsShape`) and are checked when that scheduler is loaded.
 */
import { z } from 'zod';
import { jobOptionsShape, pollShape, reliabilityShape, resourceShape, stagingShape } from '../options.js';

const nonEmpty = z.string().min(1);

/** How Clustrix reaches a cluster's login host (the SSH transport). */
export const transportShape = {
  /** Login host (a name from ~/.ssh/config works too). No host: commands run on this machine. */
  host: nonEmpty,
  /** SSH user. Default: ~/.ssh/config, then the local user. */
  user: nonEmpty,
  /** SSH port. Default: ~/.ssh/config, then 22. */
  port: z.number().int().min(1).max(65535),
  /** Private key file(s). Default: ~/.ssh/config, then the agent, then ~/.ssh/id_{ed25519,ecdsa,rsa}. */
  identityFile: z.union([nonEmpty, z.array(nonEmpty)]),
  /** Name of the environment variable holding the key's passphrase (never the passphrase itself). */
  passphraseEnv: nonEmpty,
  /** Name of the environment variable holding a password, tried after keys (never the password itself). */
  passwordEnv: nonEmpty,
  /** ssh-agent socket, or false to not use an agent. Default: $SSH_AUTH_SOCK. */
  agent: z.union([z.boolean(), nonEmpty]),
  /** known_hosts file(s). Default: ~/.ssh/known_hosts. */
  knownHostsFile: z.union([nonEmpty, z.array(nonEmpty)]),
  /** `strict` (default): unknown or changed host keys are refused. `accept-new`: unknown keys are added. */
  hostKeyPolicy: z.enum(['strict', 'accept-new']),
  /** Also accept `ssh-rsa` host key signatures (RSA with SHA-1), for old servers. Default false. */
  allowSha1Rsa: z.boolean(),
  /** Jump host(s), as in ssh -J: 'user@jump:22,other'. Default: ~/.ssh/config ProxyJump. */
  proxyJump: nonEmpty,
  /** ssh config file to read. Default ~/.ssh/config; false to ignore it. */
  sshConfigFile: z.union([nonEmpty, z.literal(false)]),
  /** Keepalive interval, ms. */
  keepaliveMs: z.number().int().min(0),
  /** Connection timeout, ms. */
  connectTimeoutMs: z.number().int().min(100),
  /** Channels open at once on the shared SSH connection: the server's MaxSessions (OpenSSH default 10). */
  maxSessions: z.number().int().min(2).max(1000),
} as const;

/** Every key core knows for a cluster profile. */
export const clusterProfileShape = {
  /** Which scheduler runs the jobs: local, ssh, slurm, pbs, sge, kubernetes. */
  scheduler: nonEmpty,
  /** Jobs running at once on this cluster (local: CPU count; ssh: the host's CPU count). */
  concurrency: z.number().int().positive(),
  /**
   * Most items one array job may have here: a larger map is split into several arrays. Default: what the
   * scheduler says (SLURM MaxArraySize, SGE max_aj_tasks, OpenPBS max_array_size; `clustrix doctor` prints it).
   */
  maxArrayItems: z.number().int().positive(),
  ...transportShape,
  ...resourceShape,
  ...stagingShape,
  ...reliabilityShape,
  ...pollShape,
} as const;

export const clusterProfileSchema = z.looseObject(clusterProfileShape).partial();
export type ClusterProfileInput = z.input<typeof clusterProfileSchema>;
export type ClusterProfile = z.output<typeof clusterProfileSchema> & Record<string, unknown>;

const { cluster: _cluster, ...defaultJobShape } = jobOptionsShape;

export const configFileShape = {
  /** Cluster used when neither the call nor the decorator names one. Default: `local`. */
  defaultCluster: nonEmpty,
  /** Named cluster profiles. */
  clusters: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a name of letters, digits, _ . -'), clusterProfileSchema),
  /** Where bundles are cached on this machine. Default: ~/.cache/clustrix. */
  cacheDir: nonEmpty,
  /** The job registry on this machine (every job submitted, for attach and the CLI). Default: ~/.clustrix/registry. */
  registryDir: nonEmpty,
  ...defaultJobShape,
  ...pollShape,
} as const;

export const configFileSchema = z.strictObject(configFileShape).partial();
export type ClustrixConfigInput = z.input<typeof configFileSchema>;
export type ClustrixConfig = z.output<typeof configFileSchema>;

/** One source of configuration, as loadConfig read it (lowest precedence first: defaults, environment, system, user, project). */
export interface ConfigLayer {
  /** `defaults`, `environment`, or the file's path. */
  source: string;
  kind: 'defaults' | 'environment' | 'system' | 'user' | 'project';
  values: ClustrixConfig;
}

/** Helper for typed `clustrix.config.ts` files. */
export function defineConfig(config: ClustrixConfigInput): ClustrixConfigInput {
  return config;
}

export { resourceShape, stagingShape, pollShape, reliabilityShape };
