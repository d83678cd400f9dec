/**
 * PBS's limits: `qmgr -c 'list server'` → OpenPBS/PBS Pro `max_array_size`, Torque `max_job_array_size` (the
 * most subjobs of one array). Each flavour reads only its own attribute: the Torque wrappers over SLURM may
 * find another server's qmgr first on PATH, which then says nothing about them.
 */
import type { CommandOutput, SchedulerLimits } from '@clustrix/core/scheduler';
import type { PbsFlavour } from './flavour.js';

export const limitsArgv = (): string[][] => [['qmgr', '-c', 'list server']];

const ATTRIBUTE: Record<PbsFlavour, string> = { pbspro: 'max_array_size', torque: 'max_job_array_size' };

export function parsePbsLimits(flavour: PbsFlavour, outputs: readonly CommandOutput[]): SchedulerLimits {
  const out = outputs[0];
  const name = ATTRIBUTE[flavour];
  const m = out && out.code === 0 ? new RegExp(`^\\s*${name}\\s*=\\s*(\\d+)\\s*$`, 'm').exec(out.stdout) : null;
  if (!m) return { source: `qmgr -c 'list server': no ${name} (exit code ${out?.code ?? 'none'})` };
  const size = Number(m[1]);
  return size > 0 ? { maxArrayItems: size, source: `qmgr -c 'list server': ${name} = ${size}` } : { source: `qmgr -c 'list server': ${name} = 0` };
}
