/** The configuration of the current Clustrix instance: loaded once (on first use), replaceable with `configure()`. */
import { currentInstance } from '../util/instance-state.js';
import type { ClustrixConfigInput } from './schema.js';
import { loadConfig, type LoadConfigOptions, type LoadedConfig } from './load.js';

interface ConfigState {
  current?: Promise<LoadedConfig> | undefined;
  runtime?: ClustrixConfigInput | undefined;
  loadOptions: LoadConfigOptions;
}

const CONFIG = Symbol('config');
const state = () => currentInstance().slot<ConfigState>(CONFIG, () => ({ loadOptions: {} }));

export function currentConfig(): Promise<LoadedConfig> {
  const s = state();
  if (!s.current) {
    const loading = loadConfig({ ...s.loadOptions, ...(s.runtime ? { runtime: s.runtime as never } : {}) });
    s.current = loading;
    loading.catch(() => {
      if (s.current === loading) s.current = undefined;
    });
  }
  return s.current;
}

/**
 * Add configuration at run time (above the project file, below decorator and call options), or
 * change where configuration is read from. Takes effect for the next call.
 */
export function configure(config: ClustrixConfigInput | undefined, options: LoadConfigOptions = {}): void {
  const s = state();
  s.runtime = config;
  s.loadOptions = options;
  s.current = undefined;
}

/** Where configuration is read from (the options given to `configure()`), e.g. the home folder. */
export function currentLoadOptions(): Readonly<LoadConfigOptions> {
  return state().loadOptions;
}

/** Read the configuration files and environment again on the next call. */
export function reloadConfig(): void {
  state().current = undefined;
}
