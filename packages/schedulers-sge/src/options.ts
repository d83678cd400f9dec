/**
 * The SGE keys of a cluster profile (checked by core against `sgeOptionsShape`) and their defaults.
 * Sites name their parallel environments and memory complexes freely, so both are settings.
 */
import { z } from 'zod';

/** A complex or PE name: what `qconf -sc` / `qconf -spl` list (also safe unquoted in a `#$` line). */
const sgeName = z.string().regex(/^[A-Za-z_][\w.-]*$/, 'expected an SGE name: letters, digits, _ . - (not starting with a digit)');

export const sgeOptionsShape = {
  /** Parallel environment that `cpus` > 1 asks for (`-pe NAME N`). Default `smp`; it must allocate all slots on one host. */
  parallelEnvironment: sgeName,
  /** Complex that `memory` is requested with (`-l NAME=...`). Default `h_vmem`; `mem_free`, `h_rss`... are common too. */
  memoryResource: sgeName,
  /** Divide `memory` by `cpus`: consumables such as h_vmem are per slot and SGE multiplies them by the slot count. Default true. */
  memoryPerSlot: z.boolean(),
  /** `#$ -w e`: SGE rejects at submission a job no queue could ever run (more h_vmem than any host has, an unknown PE size...) instead of queueing it forever. Default true. */
  verifyRequests: z.boolean(),
  /** How long a job that left qstat without an exit code may wait for its qacct record before it counts as lost, ms. Default 60 000. */
  accountingWaitMs: z.number().int().min(0),
} as const;

export interface SgeSettings {
  parallelEnvironment: string;
  memoryResource: string;
  memoryPerSlot: boolean;
  verifyRequests: boolean;
  accountingWaitMs: number;
}

export const SGE_DEFAULTS: SgeSettings = {
  parallelEnvironment: 'smp',
  memoryResource: 'h_vmem',
  memoryPerSlot: true,
  verifyRequests: true,
  accountingWaitMs: 60_000,
};

/** The profile's SGE keys (already validated by core), defaults filled in. */
export function sgeSettings(profile: Record<string, unknown>): SgeSettings {
  const out = { ...SGE_DEFAULTS };
  for (const key of Object.keys(SGE_DEFAULTS) as Array<keyof SgeSettings>) {
    if (profile[key] !== undefined) (out as Record<string, unknown>)[key] = profile[key];
  }
  return out;
}
