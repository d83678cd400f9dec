/**
 * `key`: a call that names itself is submitted once. The first process to claim the key in the
 * registry submits; a later call with the same key and the same arguments (this script run again,
 * another process at the same time) attaches to that job instead — unless it ended badly (failed,
 * cancelled, lost...), its folder was removed, or it was never submitted, in which case the key
 * moves to a new submission. The same key with other arguments is an error: a key names one call.
 */
import { ClustrixError } from '../../errors.js';
import { currentRegistry } from '../../registry/index.js';
import { processAlive } from '../../registry/lock.js';
import type { JobRecord } from '../../registry/record.js';
import type { JobRegistry } from '../../registry/store.js';
import { logger } from '../../util/debug.js';
import { createHash } from 'node:crypto';
import { blobMemory } from '@clustrix/wire';
import { newJobId } from '../../util/ids.js';
import { CallRun, type RunOptions } from '../run/call-run.js';
import type { PreparedCall } from './prepare.js';

const log = logger('registry');

/** The call's identity: class, method, and every item's arguments and instance state (with the bytes they keep out of the JSON). */
export function fingerprintOf(calls: readonly PreparedCall[]): string {
  const { info } = calls[0]!;
  const hash = createHash('sha256').update(JSON.stringify([info.cls.name, info.method, info.isStatic, calls.map((c) => [c.args, c.instance ?? null])]));
  for (const c of calls) {
    for (const bytes of [...(blobMemory(c.args) ?? []), ...(c.instance ? blobMemory(c.instance) ?? [] : [])]) hash.update(bytes);
  }
  return hash.digest('hex');
}

const REUSABLE = new Set(['preparing', 'submitting', 'pending', 'running', 'retrying', 'unknown', 'completed']);

function reusable(r: JobRecord): boolean {
  if (!REUSABLE.has(r.state) || r.removedAt) return false;
  if ((r.state === 'preparing' || r.state === 'submitting') && !r.attempts.length) return processAlive(r.owner.pid, r.owner.host);
  return true;
}

/** The claimer writes its record right after claiming: give it a moment. */
async function recordOf(registry: JobRegistry, id: string): Promise<JobRecord | undefined> {
  for (let i = 0; i < 40; i++) {
    const r = await registry.read(id);
    if (r) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
  return undefined;
}

/** A run for `calls` under `key`: a new submission, or the job that already holds the key. */
export async function runForKey(key: string, calls: PreparedCall[], options: Omit<RunOptions, 'jobId' | 'key' | 'fingerprint'>): Promise<CallRun> {
  const registry = await currentRegistry();
  const fingerprint = fingerprintOf(calls);
  const { info } = calls[0]!;
  const fresh = (jobId: string) => new CallRun(calls, { ...options, jobId, key, fingerprint });
  for (let tries = 0; tries < 20; tries++) {
    const jobId = newJobId();
    if (await registry.claimKey(key, jobId)) return fresh(jobId);
    const holder = await registry.keyHolder(key);
    const record = holder ? await recordOf(registry, holder) : undefined;
    if (record) {
      if (record.fingerprint !== fingerprint) {
        throw new ClustrixError(
          `key '${key}' already names job ${record.id} (${record.target.className}.${record.target.method}) with other arguments than this call of ${info.cls.name}.${info.method}; ` +
            'a key names one call: give this call another key',
          { scope: 'registry', jobId: record.id },
        );
      }
      if (reusable(record)) {
        log('key %s: reusing job %s (%s)', key, record.id, record.state);
        return CallRun.attach(record, options.signal ? { signal: options.signal } : {});
      }
      log('key %s: job %s ended %s; submitting again', key, record.id, record.state);
    }
    if (await registry.replaceKey(key, holder, jobId)) return fresh(jobId);
  }
  throw new ClustrixError(`could not claim key '${key}' in the registry at ${registry.dir}: other processes keep taking it`, { scope: 'registry' });
}
