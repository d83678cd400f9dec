/**
 * The resource model in one normalized form that every scheduler renders from: parsed times and
 * memory, `partition`/`queue` folded together, values checked for what no scheduler can take
 * (newlines in a directive or a job name). A bad value is a ConfigError naming the key.
 */
import { ConfigError } from '../errors.js';
import type { JobOptions } from '../options.js';
import { parseMemory, parseTime } from './parse.js';

export interface Gpus {
  type?: string;
  count: number;
}

export interface Resources {
  cpus?: number;
  memoryMiB?: number;
  timeSeconds?: number;
  gpus?: Gpus;
  nodes?: number;
  tasksPerNode?: number;
  /** `partition` or `queue`. */
  queue?: string;
  account?: string;
  qos?: string;
  constraint?: string;
  exclusive?: boolean;
  jobName?: string;
  setup: string[];
  modules: string[];
  directives: string[];
}

function noNewline(key: string, value: string | undefined, scope: string): void {
  if (value !== undefined && /[\r\n\0]/.test(value)) {
    throw new ConfigError(`\`${key}\` cannot contain a newline or NUL: ${JSON.stringify(value)}`, { keyPath: key, scope });
  }
}

export function normalizeResources(options: JobOptions, scope = 'config'): Resources {
  if (options.partition && options.queue && options.partition !== options.queue) {
    throw new ConfigError(`\`partition\` (${options.partition}) and \`queue\` (${options.queue}) name the same thing; set only one`, {
      keyPath: 'queue',
      scope,
    });
  }
  const r: Resources = {
    setup: options.setup ?? [],
    modules: options.modules ?? [],
    directives: options.directives ?? [],
  };
  if (options.cpus !== undefined) r.cpus = options.cpus;
  if (options.memory !== undefined) r.memoryMiB = parseMemory(options.memory)!;
  if (options.time !== undefined) r.timeSeconds = parseTime(options.time)!;
  if (options.gpus !== undefined) {
    if (typeof options.gpus === 'number') r.gpus = { count: options.gpus };
    else {
      const [a, b] = options.gpus.split(':');
      r.gpus = b === undefined ? { count: Number(a) } : { type: a!, count: Number(b) };
    }
    if (r.gpus.count === 0) delete r.gpus;
  }
  for (const k of ['nodes', 'tasksPerNode', 'account', 'qos', 'constraint', 'exclusive', 'jobName'] as const) {
    if (options[k] !== undefined) (r as unknown as Record<string, unknown>)[k] = options[k];
  }
  const queue = options.partition ?? options.queue;
  if (queue !== undefined) r.queue = queue;
  for (const k of ['account', 'qos', 'constraint', 'jobName', 'queue'] as const) noNewline(k, r[k], scope);
  r.directives.forEach((d, i) => noNewline(`directives[${i}]`, d, scope));
  r.modules.forEach((m, i) => noNewline(`modules[${i}]`, m, scope));
  return r;
}
