/**
 * What a process attaching to a job needs besides the supervisor: the cluster runtime from the job's
 * record, and waiting for a job that another process is still submitting.
 */
import { currentConfig } from '../../config/current.js';
import { resolveCall } from '../../config/resolve.js';
import type { ClusterProfile } from '../../config/schema.js';
import { ClustrixError } from '../../errors.js';
import { processAlive } from '../../registry/lock.js';
import type { JobRecord } from '../../registry/record.js';
import type { JobRegistry } from '../../registry/store.js';
import { clusterRuntime, type ClusterRuntime } from '../cluster/cluster-runtime.js';

const IDENTITY_KEYS = ['scheduler', 'host', 'port', 'user', 'remoteRoot'] as const;

/**
 * The runtime of the cluster a job ran on: the current configuration's profile of that name when it
 * still points at the same place (same scheduler, host, port, user, remote root), else the profile
 * recorded when the job was submitted (so `clustrix` works from any folder).
 */
export async function runtimeForRecord(record: JobRecord): Promise<ClusterRuntime> {
  let profile: ClusterProfile = record.profile;
  try {
    const current = resolveCall((await currentConfig()).merged, {}, { cluster: record.cluster }).profile;
    if (IDENTITY_KEYS.every((k) => JSON.stringify(current[k] ?? null) === JSON.stringify(record.profile[k] ?? null))) profile = current;
  } catch {
    /* the cluster is not configured here: use the recorded profile */
  }
  return clusterRuntime(record.cluster, profile);
}

const SUBMIT_WAIT_MS = 10 * 60_000;

/** A job another live process is still preparing: wait until it is submitted (or fails). */
export async function waitUntilSubmitted(registry: JobRegistry, record: JobRecord, stop: () => boolean): Promise<JobRecord> {
  let r = record;
  const start = Date.now();
  while (!r.attempts.length && (r.state === 'preparing' || r.state === 'submitting') && processAlive(r.owner.pid, r.owner.host) && !stop()) {
    if (Date.now() - start > SUBMIT_WAIT_MS) {
      throw new ClustrixError(`job ${r.id} has been ${r.state} for ${SUBMIT_WAIT_MS / 60_000} minutes in process ${r.owner.pid} on ${r.owner.host}; is that process stuck?`, {
        scope: 'registry',
        jobId: r.id,
      });
    }
    await new Promise((res) => setTimeout(res, 250));
    r = (await registry.read(r.id)) ?? r;
  }
  return r;
}
