/**
 * The SSH transport: `createSshTransport(profile, clusterName)` resolves the profile against
 * ~/.ssh/config and returns a Transport on the ONE shared connection to that host (a pool keyed by
 * user@host:port and jump chain; the connection closes when its last user closes).
 */
import type { ClusterProfile } from '../../config/schema.js';
import type { Transport } from '../contract.js';
import { SshConnection } from './connection.js';
import { describeTarget, resolveSshTarget, type ResolveOptions, type SshTarget } from './ssh-config.js';
import { SshTransport } from './transport.js';

export { SshConnection, ConnectionLostError, type ConnectionStats } from './connection.js';
export { SshTransport } from './transport.js';
export { resolveSshTarget, describeTarget, parseJumpSpec, type SshTarget, type SshHop } from './ssh-config.js';
export { findHostKeys, hostFieldMatches, verifyHostKey, fingerprint, knownHostsLine } from './known-hosts.js';

interface PoolEntry {
  connection: SshConnection;
  users: number;
}

const pool = new Map<string, PoolEntry>();
const envIds = new WeakMap<object, number>();

/**
 * Profiles share a connection when they reach the same user@host:port the same way: same jumps,
 * credentials and host-key settings (a profile never rides on a connection another profile's
 * keys or known_hosts opened).
 */
function poolKey(target: SshTarget, env: NodeJS.ProcessEnv | undefined): string {
  const { alias: _alias, configFile: _file, ...how } = target;
  let envId = 0;
  if (env && env !== process.env) {
    envId = envIds.get(env) ?? envIds.set(env, envIds.get(env) ?? Math.random()).get(env)!;
  }
  return `${describeTarget(target)}\0${JSON.stringify(how)}\0${envId}`;
}

/** Connections currently open, with their stats (tests and benchmarks read them). */
export function sharedConnections(): SshConnection[] {
  return [...pool.values()].map((v) => v.connection);
}

export async function createSshTransport(profile: ClusterProfile, clusterName: string, options: ResolveOptions = {}): Promise<Transport> {
  const target = await resolveSshTarget(profile, { ...options, clusterName });
  const key = poolKey(target, options.env);
  let entry = pool.get(key);
  if (!entry) {
    entry = { connection: new SshConnection(target, { clusterName, ...(options.env ? { env: options.env } : {}) }), users: 0 };
    pool.set(key, entry);
  }
  entry.users++;
  const shared = entry;
  const transport = new SshTransport(shared.connection, async () => {
    if (--shared.users > 0) return;
    if (pool.get(key) === shared) pool.delete(key);
    await shared.connection.close();
  });
  // Fail fast (host key, auth, unreachable) before anything is staged; a failed first connect is not pooled.
  try {
    await shared.connection.open();
  } catch (err) {
    await transport.close();
    throw err;
  }
  return transport;
}
