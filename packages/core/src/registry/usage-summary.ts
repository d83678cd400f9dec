/**
 * What a job used against what it asked for, from its record (like SLURM's `seff`): the figures over
 * its items (min / median / max; one item for a single job), the CPU efficiency (CPU time ÷ (elapsed ×
 * CPUs)), the memory efficiency (peak ÷ requested), and hints when it used under a quarter of the
 * memory or time it asked for. Read by `clustrix status`.
 */
import type { JobUsage } from '@clustrix/wire';
import { parseMemory, parseTime } from '../resources/parse.js';
import type { JobRecord } from './record.js';

export interface UsageStats {
  min: number;
  median: number;
  max: number;
}

export interface UsageSummary {
  /** Items with figures, and items in the job. */
  reported: number;
  items: number;
  /** Who measured (`runner`, `slurm`, `slurm+runner`...). */
  sources: string[];
  elapsedMs?: UsageStats;
  cpuMs?: UsageStats;
  maxRssBytes?: UsageStats;
  /** What each item asked for (cpus: the scheduler's count when it says, else the `cpus` option, else 1). */
  requested: { cpus: number; memoryBytes?: number; timeMs?: number };
  /** CPU time ÷ (elapsed × CPUs), per item. */
  cpuEfficiency?: UsageStats;
  /** Peak memory ÷ requested memory, per item. */
  memoryEfficiency?: UsageStats;
  /** Elapsed ÷ time limit, per item. */
  timeEfficiency?: UsageStats;
  /** Under a quarter of the memory or time asked for: what to ask for instead. */
  hints: string[];
}

export function stats(values: readonly number[]): UsageStats | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}

const figure = (all: JobUsage[], k: 'elapsedMs' | 'cpuMs' | 'maxRssBytes') => stats(all.flatMap((u) => (u[k] !== undefined ? [u[k]] : [])));

/** A readable size for hints: `512M`, `2G`. */
function suggestMemory(bytes: number): string {
  const mib = Math.max(64, Math.ceil((bytes * 1.5) / 1024 ** 2 / 64) * 64);
  return mib >= 1024 && mib % 1024 === 0 ? `${mib / 1024}G` : `${mib}M`;
}

function suggestTime(ms: number): string {
  const minutes = Math.max(1, Math.ceil((ms * 1.5) / 60_000));
  return minutes >= 120 ? `${Math.ceil(minutes / 60)}h` : `${minutes}m`;
}

function hintsOf(s: UsageSummary, asked: { memory?: unknown; time?: unknown }): string[] {
  const hints: string[] = [];
  const { memoryBytes, timeMs } = s.requested;
  if (memoryBytes && s.maxRssBytes && s.maxRssBytes.max < memoryBytes / 4) {
    hints.push(`it used under a quarter of the memory it asked for (${String(asked.memory)}): \`memory: '${suggestMemory(s.maxRssBytes.max)}'\` would do`);
  }
  if (timeMs && s.elapsedMs && s.elapsedMs.max < timeMs / 4) {
    hints.push(`it used under a quarter of the time it asked for (${String(asked.time)}): \`time: '${suggestTime(s.elapsedMs.max)}'\` would do, and may start sooner`);
  }
  return hints;
}

/** The usage summary of a job, or undefined when no item of it reported any figure. */
export function summarizeUsage(r: Pick<JobRecord, 'usage' | 'items' | 'options'>): UsageSummary | undefined {
  const all = Object.values(r.usage ?? {});
  if (!all.length) return undefined;
  const memory = r.options.memory !== undefined ? parseMemory(r.options.memory) : undefined;
  const time = r.options.time !== undefined ? parseTime(r.options.time) : undefined;
  const cpusOf = (u: JobUsage) => u.cpus ?? r.options.cpus ?? 1;
  const s: UsageSummary = {
    reported: all.length,
    items: r.items ?? 1,
    sources: [...new Set(all.map((u) => u.source))],
    requested: { cpus: stats(all.map(cpusOf))!.max, ...(memory ? { memoryBytes: memory * 1024 ** 2 } : {}), ...(time ? { timeMs: time * 1000 } : {}) },
    hints: [],
  };
  const put = <K extends keyof UsageSummary>(k: K, v: UsageSummary[K] | undefined) => v !== undefined && (s[k] = v);
  put('elapsedMs', figure(all, 'elapsedMs'));
  put('cpuMs', figure(all, 'cpuMs'));
  put('maxRssBytes', figure(all, 'maxRssBytes'));
  put('cpuEfficiency', stats(all.flatMap((u) => (u.cpuMs !== undefined && u.elapsedMs ? [u.cpuMs / (u.elapsedMs * cpusOf(u))] : []))));
  if (memory) put('memoryEfficiency', stats(all.flatMap((u) => (u.maxRssBytes !== undefined ? [u.maxRssBytes / (memory * 1024 ** 2)] : []))));
  if (time) put('timeEfficiency', stats(all.flatMap((u) => (u.elapsedMs !== undefined ? [u.elapsedMs / (time * 1000)] : []))));
  s.hints = hintsOf(s, r.options);
  return s;
}
