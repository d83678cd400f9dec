/** What every scheduler benchmark shares: the testbed SSH login, one configured cluster, a raw-command folder. */
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure } from '@clustrix/core';
import { getCluster, type ClusterRuntime } from '@clustrix/core/jobs';
import type { Transport } from '@clustrix/core/scheduler';
import { median, timeIt } from './stats.js';
import { Trivial } from './trivial.js';

export const N = Number(process.env.CLUSTRIX_BENCH_N ?? 7);
export const ARRAY = Number(process.env.CLUSTRIX_BENCH_ARRAY ?? 200);

/** A login to the testbed sshd (scripts/testbed/sshd.sh) as `user`. */
export function testbedLogin(user: string, host = '127.0.0.1'): Record<string, unknown> {
  return {
    host,
    port: Number(process.env.CLUSTRIX_BENCH_SSH_PORT ?? 2222),
    user,
    identityFile: process.env.CLUSTRIX_BENCH_SSH_KEY ?? '/tmp/clustrix-testbed/ssh/id_ed25519',
    knownHostsFile: process.env.CLUSTRIX_BENCH_SSH_KNOWN_HOSTS ?? '/tmp/clustrix-testbed/ssh/known_hosts',
    sshConfigFile: false,
    agent: false,
  };
}

export interface Bench {
  rt: ClusterRuntime;
  t: Transport;
  /** A folder on the cluster for the raw baseline's scripts and outputs. */
  rawDir: string;
  job: Trivial;
}

/** Configure cluster `bench` with `profile` and get it ready (local runs get a private remote root). */
export async function benchCluster(tag: string, profile: Record<string, unknown>): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), `clustrix-bench-${tag}-`));
  chmodSync(dir, 0o755);
  const p = profile.host ? profile : { remoteRoot: join(dir, 'remote'), ...profile };
  configure({ defaultCluster: 'bench', cacheDir: join(dir, 'cache'), clusters: { bench: p as never } });
  const rt = await getCluster('bench');
  const rawDir = `${rt.remoteRoot}/bench-raw`;
  await rt.transport.mkdir(rawDir, { mode: 0o700 });
  return { rt, t: rt.transport, rawDir, job: new Trivial() };
}

/** Run the raw baseline and ours `rounds` times, alternating so both see the same load; medians. */
export async function interleaved(rounds: number, raw: () => PromiseLike<unknown>, ours: () => PromiseLike<unknown>): Promise<{ raw: number; ours: number }> {
  const r: number[] = [];
  const o: number[] = [];
  for (let i = 0; i < rounds; i++) {
    r.push(await timeIt(raw));
    o.push(await timeIt(ours));
  }
  return { raw: median(r), ours: median(o) };
}
