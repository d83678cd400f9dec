/**
 * The job registry: every job this machine submitted, on disk (`registryDir`, default
 * `~/.clustrix/registry`), so that another process can find it, wait for it, retry it or list it.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { currentConfig, currentLoadOptions } from '../config/current.js';
import type { ClustrixConfig } from '../config/schema.js';
import { openRegistry, type JobRegistry } from './store.js';

export { JobRegistry, openRegistry, type ListFilter } from './store.js';
export * from './record.js';
export { processAlive, withFileLock } from './lock.js';

/** The registry folder for a configuration: `registryDir` (a leading `~` is the home folder), else `<home>/.clustrix/registry`. */
export function registryDirOf(config: Pick<ClustrixConfig, 'registryDir'>, home: string = homedir()): string {
  const dir = config.registryDir;
  if (!dir) return join(home, '.clustrix', 'registry');
  if (dir === '~') return home;
  if (dir.startsWith('~/')) return join(home, dir.slice(2));
  return isAbsolute(dir) ? dir : resolve(dir);
}

/** The registry this process uses (from the current configuration). */
export async function currentRegistry(): Promise<JobRegistry> {
  const config = (await currentConfig()).merged;
  return openRegistry(registryDirOf(config, currentLoadOptions().home ?? homedir()));
}
