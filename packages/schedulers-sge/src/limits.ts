/** SGE's limits: `qconf -sconf` (the global configuration) → max_aj_tasks, the most tasks of one array job (0: none). */
import type { CommandOutput, SchedulerLimits } from '@clustrix/core/scheduler';

export const limitsArgv = (): string[][] => [['qconf', '-sconf']];

export function parseSgeLimits(outputs: readonly CommandOutput[]): SchedulerLimits {
  const out = outputs[0];
  const m = out && out.code === 0 ? /^max_aj_tasks\s+(\d+)\s*$/m.exec(out.stdout) : null;
  if (!m) return { source: `qconf -sconf: no max_aj_tasks (exit code ${out?.code ?? 'none'})` };
  const size = Number(m[1]);
  return size > 0 ? { maxArrayItems: size, source: `qconf -sconf: max_aj_tasks ${size}` } : { source: 'qconf -sconf: max_aj_tasks 0 (no limit)' };
}
