/**
 * Loading the configuration layers with cosmiconfig. Precedence, highest first:
 *   per-call options > decorator options > project file > user file > system file > environment > defaults
 * Project file: package.json#clustrix, .clustrixrc(.json|.yaml|.yml|.js|.ts|.mjs|.cjs), clustrix.config.(ts|js|mjs|cjs),
 * searched from the working directory up to the project root (the nearest package.json).
 * User file: ~/.clustrix/config.(yml|yaml|json). System file: /etc/clustrix/config.(yml|yaml|json).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { loadTsConfigFile } from './load-ts.js';
import { checkProfiles } from './check-profiles.js';
import { ConfigError } from '../errors.js';
import { configFromEnv } from './env.js';
import { parseOrThrow } from './issues.js';
import { deepMerge } from './merge.js';
import { configFileSchema, type ClustrixConfig, type ConfigLayer } from './schema.js';

export type { ConfigLayer } from './schema.js';

export interface LoadedConfig {
  /** Every layer, lowest precedence first. */
  layers: ConfigLayer[];
  /** The layers merged. */
  merged: ClustrixConfig;
}

export interface LoadConfigOptions {
  /** Where the project-file search starts. Default: process.cwd(). */
  cwd?: string;
  /** Environment to read CLUSTRIX_* from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Home directory for the user file. Default: os.homedir(). */
  home?: string;
  /** Folder of the system file. Default: $CLUSTRIX_SYSTEM_CONFIG_DIR or /etc/clustrix. */
  systemDir?: string;
  /** Extra configuration given at runtime (`configure()`), above the project file. */
  runtime?: ClustrixConfig;
}

export const DEFAULT_CONFIG: ClustrixConfig = {
  defaultCluster: 'local',
  remoteRoot: '~/.clustrix',
  nodePath: 'node',
  cleanup: 'keep',
  retentionDays: 14,
};

const MODULE = 'clustrix';
const PROJECT_PLACES = [
  'package.json',
  `.${MODULE}rc`,
  `.${MODULE}rc.json`,
  `.${MODULE}rc.yaml`,
  `.${MODULE}rc.yml`,
  `.${MODULE}rc.js`,
  `.${MODULE}rc.ts`,
  `.${MODULE}rc.mjs`,
  `.${MODULE}rc.cjs`,
  `${MODULE}.config.ts`,
  `${MODULE}.config.js`,
  `${MODULE}.config.mjs`,
  `${MODULE}.config.cjs`,
];
const USER_NAMES = ['config.yml', 'config.yaml', 'config.json'];

function explorer() {
  return cosmiconfig(MODULE, {
    searchPlaces: PROJECT_PLACES,
    searchStrategy: 'project',
    cache: false,
    loaders: { '.ts': loadTsConfigFile },
  });
}

async function loadFile(path: string): Promise<unknown> {
  try {
    const r = await explorer().load(path);
    return r?.config ?? {};
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`, { source: path, cause: err });
  }
}

function firstExisting(dir: string): string | undefined {
  for (const n of USER_NAMES) {
    const p = join(dir, n);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function validate(value: unknown, source: string): ClustrixConfig {
  if (value === null || value === undefined) return {};
  return parseOrThrow(configFileSchema, value, { source });
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const layers: ConfigLayer[] = [{ source: 'defaults', kind: 'defaults', values: DEFAULT_CONFIG }];
  layers.push({ source: 'environment (CLUSTRIX_*)', kind: 'environment', values: configFromEnv(env) });

  const systemDir = options.systemDir ?? env.CLUSTRIX_SYSTEM_CONFIG_DIR ?? '/etc/clustrix';
  const systemFile = firstExisting(systemDir);
  if (systemFile) layers.push({ source: systemFile, kind: 'system', values: validate(await loadFile(systemFile), systemFile) });

  const userDir = env.CLUSTRIX_USER_CONFIG_DIR ?? join(options.home ?? homedir(), '.clustrix');
  const userFile = firstExisting(userDir);
  if (userFile) layers.push({ source: userFile, kind: 'user', values: validate(await loadFile(userFile), userFile) });

  let found;
  try {
    found = await explorer().search(options.cwd ?? process.cwd());
  } catch (err) {
    const file = (err as { filepath?: string }).filepath ?? 'the project configuration file';
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`, { source: file, cause: err });
  }
  if (found && !found.isEmpty) {
    layers.push({ source: found.filepath, kind: 'project', values: validate(found.config, found.filepath) });
  }
  if (options.runtime) {
    layers.push({ source: 'configure()', kind: 'project', values: validate(options.runtime, 'configure()') });
  }
  await checkProfiles(layers);
  return { layers, merged: deepMerge<ClustrixConfig>(...layers.map((l) => l.values)) };
}
