/**
 * Scheduler packages are loaded lazily: a profile with `scheduler: 'slurm'` imports
 * `@clustrix/schedulers-slurm` the first time it is used. Core never imports one statically.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';
import type { SchedulerFactory } from './contract.js';
import { localSchedulerFactory } from './local.js';

const factories = new Map<string, SchedulerFactory>([['local', localSchedulerFactory]]);

/** Make a scheduler available by name without a package lookup (tests, custom schedulers). */
export function registerScheduler(factory: SchedulerFactory): void {
  factories.set(factory.name, factory);
}

/** Schedulers Clustrix ships a package for, plus any registered by name. */
const SHIPPED = ['local', 'ssh', 'slurm', 'pbs', 'sge', 'kubernetes'];
export function knownSchedulerNames(): string[] {
  return [...new Set([...SHIPPED, ...factories.keys()])];
}

function pick(mod: Record<string, unknown>, name: string): SchedulerFactory | undefined {
  for (const v of [mod.scheduler, mod.default, mod[`${name}Scheduler`]]) {
    if (v && typeof v === 'object' && typeof (v as SchedulerFactory).create === 'function') return v as SchedulerFactory;
  }
  return undefined;
}

export async function loadSchedulerFactory(name: string): Promise<SchedulerFactory> {
  const known = factories.get(name);
  if (known) return known;
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new ConfigError(`scheduler '${name}' is not a scheduler name; expected local, ssh, slurm, pbs, sge or kubernetes`, { keyPath: 'scheduler' });
  }
  const pkg = `@clustrix/schedulers-${name}`;
  let mod: Record<string, unknown> | undefined;
  const errors: unknown[] = [];
  try {
    mod = (await import(pkg)) as Record<string, unknown>;
  } catch (err) {
    errors.push(err);
    try {
      // Resolve from the project (the user's node_modules), not from core's own location.
      const req = createRequire(join(process.cwd(), 'package.json'));
      mod = (await import(pathToFileURL(req.resolve(pkg)).href)) as Record<string, unknown>;
    } catch (err2) {
      errors.push(err2);
    }
  }
  if (!mod) {
    const notFound = errors.every((e) => /Cannot find (module|package)|ERR_MODULE_NOT_FOUND|MODULE_NOT_FOUND/.test(String((e as Error)?.message ?? e) + String((e as { code?: string })?.code)));
    throw new ConfigError(
      notFound
        ? `scheduler '${name}' needs the package ${pkg}, which is not installed; install it: npm install ${pkg} (or pnpm add ${pkg})`
        : `cannot load ${pkg}: ${(errors[0] as Error)?.message}`,
      { keyPath: 'scheduler', cause: errors[0] },
    );
  }
  const factory = pick(mod, name);
  if (!factory) throw new ConfigError(`${pkg} does not export a scheduler (expected an export named 'scheduler')`, { keyPath: 'scheduler' });
  factories.set(name, factory);
  return factory;
}
