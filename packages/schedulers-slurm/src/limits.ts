/** SLURM's limits: `scontrol show config` → MaxArraySize (array indices run 0 to MaxArraySize - 1). */
import type { CommandOutput, SchedulerLimits } from '@clustrix/core/scheduler';

export const limitsArgv = (): string[][] => [['scontrol', 'show', 'config']];

export function parseSlurmLimits(outputs: readonly CommandOutput[]): SchedulerLimits {
  const out = outputs[0];
  const m = out && out.code === 0 ? /^MaxArraySize\s*=\s*(\d+)\s*$/m.exec(out.stdout) : null;
  if (!m) return { source: `scontrol show config: no MaxArraySize (exit code ${out?.code ?? 'none'})` };
  const size = Number(m[1]);
  // MaxArraySize = 0 disables job arrays
  return size > 0 ? { maxArrayItems: size, source: `scontrol show config: MaxArraySize = ${size}` } : { maxArrayItems: 1, source: 'scontrol show config: MaxArraySize = 0 (no arrays)' };
}
