/** The process's configuration: loaded once (on first use), replaceable with `configure()`. */
import type { ClustrixConfigInput } from './schema.js';
import { loadConfig, type LoadConfigOptions, type LoadedConfig } from './load.js';

let current: Promise<LoadedConfig> | undefined;
let runtime: ClustrixConfigInput | undefined;
let loadOptions: LoadConfigOptions = {};

export function currentConfig(): Promise<LoadedConfig> {
  if (!current) {
    current = loadConfig({ ...loadOptions, ...(runtime ? { runtime: runtime as never } : {}) });
    current.catch(() => (current = undefined));
  }
  return current;
}

/**
 * Add configuration at run time (above the project file, below decorator and call options), or
 * change where configuration is read from. Takes effect for the next call.
 */
export function configure(config: ClustrixConfigInput | undefined, options: LoadConfigOptions = {}): void {
  runtime = config;
  loadOptions = options;
  current = undefined;
}

/** Where configuration is read from (the options given to `configure()`), e.g. the home folder. */
export function currentLoadOptions(): Readonly<LoadConfigOptions> {
  return loadOptions;
}

/** Read the configuration files and environment again on the next call. */
export function reloadConfig(): void {
  current = undefined;
}
