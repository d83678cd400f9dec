/**
 * Every cluster profile is checked when the configuration loads, not when the profile is first used: a typo
 * in a profile (`partiton`), even one no call uses yet, or an unknown scheduler name (`scheduler: lsf`) is a
 * ConfigError naming the file and the key path. Scheduler-specific keys are checked against the scheduler
 * package's own schema when that package is installed; a profile whose package is missing is reported when
 * it is used (with the package to install), so a config shared by several machines still loads everywhere.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { knownSchedulerNames, loadSchedulerFactory } from '../scheduler/load.js';
import type { SchedulerFactory } from '../scheduler/contract.js';
import { parseOrThrow } from './issues.js';
import { clusterProfileShape, type ConfigLayer } from './schema.js';

const coreKeys = Object.keys(clusterProfileShape);

type Profiles = Record<string, Record<string, unknown>>;

function profilesOf(layer: ConfigLayer): Profiles {
  return ((layer.values as { clusters?: Profiles }).clusters ?? {}) as Profiles;
}

/** The layer that sets `clusters.<name>.scheduler` last (highest precedence), for the error's file. */
function schedulerOf(name: string, layers: readonly ConfigLayer[]): { scheduler: string; source: string } {
  let found = { scheduler: 'local', source: 'defaults' };
  for (const layer of layers) {
    const s = profilesOf(layer)[name]?.scheduler;
    if (typeof s === 'string') found = { scheduler: s, source: layer.source };
  }
  return found;
}

async function factoryFor(name: string, scheduler: string, source: string): Promise<SchedulerFactory | undefined> {
  const known = knownSchedulerNames();
  if (!known.includes(scheduler)) {
    throw new ConfigError(
      `invalid configuration in ${source}:\n  clusters.${name}.scheduler: unknown scheduler '${scheduler}'; known schedulers: ${known.join(', ')}`,
      { source, keyPath: `clusters.${name}.scheduler` },
    );
  }
  try {
    return await loadSchedulerFactory(scheduler);
  } catch (err) {
    if (err instanceof ConfigError && /is not installed/.test(err.message)) return undefined; // said when it is used
    throw err;
  }
}

export async function checkProfiles(layers: readonly ConfigLayer[]): Promise<void> {
  const names = new Set(layers.flatMap((l) => Object.keys(profilesOf(l))));
  for (const name of names) {
    const { scheduler, source } = schedulerOf(name, layers);
    const factory = await factoryFor(name, scheduler, source);
    if (!factory) continue;
    const schema = z.strictObject(factory.optionsShape ?? {}).partial();
    for (const layer of layers) {
      const profile = profilesOf(layer)[name];
      if (!profile) continue;
      const extra = Object.fromEntries(Object.entries(profile).filter(([k]) => !coreKeys.includes(k)));
      parseOrThrow(schema, extra, { source: layer.source, basePath: ['clusters', name], extraKeys: coreKeys, scope: factory.name });
    }
  }
}
