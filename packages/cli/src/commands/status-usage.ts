/** The usage lines of `clustrix status`: what the job used (min / median / max over a map's items), its efficiency against the request, and hints. */
import type { UsageStats, UsageSummary } from '@clustrix/core/jobs';

/** `850 ms`, `1.2 s`, `4m 05s`, `2h 03m`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 90) return `${s.toFixed(1)} s`;
  const total = Math.round(s);
  if (total < 3600) return `${Math.floor(total / 60)}m ${String(total % 60).padStart(2, '0')}s`;
  return `${Math.floor(total / 3600)}h ${String(Math.floor((total % 3600) / 60)).padStart(2, '0')}m`;
}

/** `512 B`, `48.2 MiB`, `1.50 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

const percent = (x: number) => `${Math.round(x * 100)}%`;

/** One figure: its value for a single job, `min … · median … · max …` over a map's items. */
function spread(s: UsageStats, fmt: (n: number) => string, single: boolean): string {
  return single ? fmt(s.max) : `min ${fmt(s.min)} · median ${fmt(s.median)} · max ${fmt(s.max)}`;
}

export function usageLines(u: UsageSummary): Array<[string, string]> {
  const single = u.items === 1;
  const lines: Array<[string, string]> = [];
  lines.push(['used', `${single ? 'measured' : `${u.reported} of ${u.items} items measured`} by ${u.sources.join(', ')}${single ? '' : ' (min · median · max over items)'}`]);
  if (u.elapsedMs) lines.push(['  elapsed', spread(u.elapsedMs, formatMs, single)]);
  if (u.cpuMs) lines.push(['  cpu time', spread(u.cpuMs, formatMs, single)]);
  if (u.maxRssBytes) lines.push(['  peak memory', spread(u.maxRssBytes, formatBytes, single)]);
  const eff: string[] = [];
  const cpus = `${u.requested.cpus} CPU${u.requested.cpus > 1 ? 's' : ''}`;
  if (u.cpuEfficiency) eff.push(`CPU ${single ? percent(u.cpuEfficiency.max) : `median ${percent(u.cpuEfficiency.median)}`} of ${cpus}`);
  if (u.memoryEfficiency) eff.push(`memory ${single ? percent(u.memoryEfficiency.max) : `max ${percent(u.memoryEfficiency.max)}`} of ${formatBytes(u.requested.memoryBytes!)}`);
  if (u.timeEfficiency) eff.push(`time ${single ? percent(u.timeEfficiency.max) : `max ${percent(u.timeEfficiency.max)}`} of ${formatMs(u.requested.timeMs!)}`);
  if (eff.length) lines.push(['efficiency', eff.join(', ')]);
  for (const h of u.hints) lines.push(['hint', h]);
  return lines;
}
