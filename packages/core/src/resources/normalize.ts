/**
 * The resource model in one normalized form that every scheduler renders from: parsed times and
 * memory, `partition`/`queue` folded together, values checked for what no scheduler can take
 * (control characters, through core's one gate: resources/gate.ts). A bad value is a ConfigError
 * (BadValueError, code BAD_VALUE, for a character that cannot be written) naming the key.
 */
import { ConfigError } from '../errors.js';
import type { JobOptions } from '../options.js';
import { checkPrintable } from './gate.js';
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

/** Every string of the resource model goes through core's control-character gate (gate.ts). */
function gateResources(r: Resources, options: JobOptions, scope: string): void {
  for (const k of ['account', 'qos', 'constraint', 'jobName', 'queue'] as const) if (r[k] !== undefined) checkPrintable(k, r[k], scope);
  r.directives.forEach((d, i) => checkPrintable(`directives[${i}]`, d, scope));
  r.modules.forEach((m, i) => checkPrintable(`modules[${i}]`, m, scope));
  r.setup.forEach((l, i) => checkPrintable(`setup[${i}]`, l, scope, { allowTab: true }));
  // env VALUES travel in job.json, never in a script; their names become variable names on the node
  for (const name of Object.keys(options.env ?? {})) checkPrintable(`env.${name}`, name, scope);
  (options.exportEnv ?? []).forEach((name, i) => checkPrintable(`exportEnv[${i}]`, name, scope));
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
  gateResources(r, options, scope);
  return r;
}
