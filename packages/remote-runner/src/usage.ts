/** What the runner's own process used, for the result or error file (`usage`). */
import type { JobUsage } from '@clustrix/wire';

/** Wall time since the process started, CPU time (user + system) and peak RSS (Linux reports it in KiB). */
export function runnerUsage(): JobUsage {
  const ru = process.resourceUsage();
  return {
    elapsedMs: Math.round(process.uptime() * 1000),
    cpuMs: Math.round((ru.userCPUTime + ru.systemCPUTime) / 1000),
    maxRssBytes: ru.maxRSS * 1024,
    source: 'runner',
  };
}
