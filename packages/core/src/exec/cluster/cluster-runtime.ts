/**
 * A cluster at run time: its transport (one per host, shared), its scheduler, its watcher and its
 * stager. Built on first use and reused by every call to that cluster.
 */
import { z } from 'zod';
import { parseOrThrow } from '../../config/issues.js';
import { clusterProfileShape, type ClusterProfile } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import type { Scheduler, SchedulerFactory } from '../../scheduler/contract.js';
import { loadSchedulerFactory } from '../../scheduler/load.js';
import type { Transport } from '../../transport/contract.js';
import { LocalTransport } from '../../transport/local.js';
import { currentInstance } from '../../util/instance-state.js';
import { Stager } from '../files/stager.js';
import { Watcher } from './watcher.js';

export interface ClusterRuntime {
  name: string;
  profile: ClusterProfile;
  transport: Transport;
  scheduler: Scheduler;
  watcher: Watcher;
  stager: Stager;
  remoteRoot: string;
}

/** The current Clustrix instance's cluster runtimes, by name and profile. */
const RUNTIMES = Symbol('cluster runtimes');
const runtimes = () => currentInstance().slot(RUNTIMES, () => new Map<string, Promise<ClusterRuntime>>());

/** Hook for the SSH transport (registered by transport/ssh when it is loaded). */
type TransportFactory = (profile: ClusterProfile, clusterName: string) => Promise<Transport>;
let sshTransportFactory: TransportFactory | undefined;
export function setSshTransportFactory(f: TransportFactory | undefined): void {
  sshTransportFactory = f;
}

async function transportFor(name: string, profile: ClusterProfile, factory: SchedulerFactory): Promise<Transport> {
  if (factory.createTransport) return factory.createTransport(profile);
  if (!profile.host) return new LocalTransport();
  if (!sshTransportFactory) {
    const mod = await import('../../transport/ssh/index.js');
    sshTransportFactory = mod.createSshTransport;
  }
  return sshTransportFactory(profile, name);
}

/** Check the profile's scheduler-specific keys against the scheduler's own schema. */
export function validateProfileForScheduler(name: string, profile: ClusterProfile, factory: SchedulerFactory, source: string): void {
  const coreKeys = Object.keys(clusterProfileShape);
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(profile)) if (!coreKeys.includes(k)) extra[k] = v;
  const schema = z.strictObject(factory.optionsShape ?? {}).partial();
  parseOrThrow(schema, extra, {
    source,
    basePath: ['clusters', name],
    extraKeys: coreKeys,
    scope: factory.name,
  });
  if (factory.name === 'local' && profile.host) {
    throw new ConfigError(`cluster '${name}' has scheduler 'local' and a host; to run on ${profile.host} directly use scheduler: 'ssh'`, {
      keyPath: `clusters.${name}.scheduler`,
    });
  }
}

export function clusterRuntime(name: string, profile: ClusterProfile): Promise<ClusterRuntime> {
  const key = `${name}\0${JSON.stringify(profile)}`;
  const built = runtimes();
  let p = built.get(key);
  if (!p) {
    p = build(name, profile);
    built.set(key, p);
    p.catch(() => built.delete(key));
  }
  return p;
}

async function build(name: string, profile: ClusterProfile): Promise<ClusterRuntime> {
  const schedulerName = String(profile.scheduler ?? 'local');
  const factory = await loadSchedulerFactory(schedulerName);
  validateProfileForScheduler(name, profile, factory, `cluster profile '${name}'`);
  const transport = await transportFor(name, profile, factory);
  const remoteRoot = await transport.resolvePath(profile.remoteRoot ?? '~/.clustrix');
  const scheduler = await factory.create({ clusterName: name, profile, transport, remoteRoot });
  const watcher = new Watcher(scheduler, {
    minMs: profile.pollMinMs ?? scheduler.poll?.minMs ?? 500,
    maxMs: profile.pollMaxMs ?? scheduler.poll?.maxMs ?? 30000,
    lostAfterPolls: profile.lostAfterPolls ?? 5,
    ...(profile.longPoll !== undefined ? { longPoll: profile.longPoll } : {}),
  });
  return { name, profile, transport, scheduler, watcher, stager: new Stager(transport, remoteRoot), remoteRoot };
}

/** The runtime of a configured cluster (default: the default cluster), as calls use it. */
export async function getCluster(name?: string): Promise<ClusterRuntime> {
  const { currentConfig } = await import('../../config/current.js');
  const { resolveCall } = await import('../../config/resolve.js');
  const resolved = resolveCall((await currentConfig()).merged, {}, name ? { cluster: name } : {});
  return clusterRuntime(resolved.clusterName, resolved.profile);
}

/** Close every cluster's connections and watchers of the current instance (call before exiting a long-lived process). */
export async function shutdown(): Promise<void> {
  const built = runtimes();
  const all = [...built.values()];
  built.clear();
  await Promise.all(
    all.map(async (p) => {
      try {
        const rt = await p;
        rt.watcher.close();
        await rt.scheduler.close?.();
        await rt.transport.close();
      } catch {
        /* a runtime that failed to build has nothing to close */
      }
    }),
  );
}
