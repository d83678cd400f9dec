/**
 * `CLUSTRIX_*` environment variables as a configuration layer: `CLUSTRIX_REMOTE_ROOT` sets
 * `remoteRoot`, `CLUSTRIX_CPUS=4` sets `cpus`, `CLUSTRIX_DEFAULT_CLUSTER` (or `CLUSTRIX_CLUSTER`)
 * sets `defaultCluster`. Values are JSON when they parse as JSON (numbers, booleans, arrays,
 * objects), strings otherwise; list keys also take a comma-separated list.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { parseOrThrow } from './issues.js';
import { configFileSchema, configFileShape, type ClustrixConfig } from './schema.js';

/** Variables under the prefix that are not configuration keys (credentials, test knobs, paths). */
export const NON_CONFIG_ENV = new Set([
  'CLUSTRIX_SYSTEM_CONFIG_DIR',
  'CLUSTRIX_USER_CONFIG_DIR',
  'CLUSTRIX_NO_PROGRESS',
  'CLUSTRIX_DEBUG',
]);
const NON_CONFIG_PREFIXES = ['CLUSTRIX_TEST_', 'CLUSTRIX_BENCH_', 'CLUSTRIX_SECRET_', 'CLUSTRIX_KUBE'];

function camel(upperSnake: string): string {
  return upperSnake.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const LIST_KEYS = new Set(['setup', 'modules', 'directives', 'inputs', 'outputs', 'externals', 'exportEnv']);

function coerce(key: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    if (LIST_KEYS.has(key)) return raw.split(',').map((s) => s.trim()).filter(Boolean);
    return raw;
  }
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ClustrixConfig {
  const out: Record<string, unknown> = {};
  const known = Object.keys(configFileShape);
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('CLUSTRIX_') || raw === undefined) continue;
    if (NON_CONFIG_ENV.has(name) || NON_CONFIG_PREFIXES.some((p) => name.startsWith(p))) continue;
    const key = name === 'CLUSTRIX_CLUSTER' ? 'defaultCluster' : camel(name.slice('CLUSTRIX_'.length));
    if (key === 'clusters') {
      throw new ConfigError(`environment variable ${name} cannot set cluster profiles; put them in a config file`, {
        source: `environment variable ${name}`,
        keyPath: 'clusters',
      });
    }
    if (!known.includes(key)) {
      const valid = known.filter((k) => k !== 'clusters').map((k) => `CLUSTRIX_${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`);
      throw new ConfigError(
        `environment variable ${name} is not a Clustrix setting; valid variables: CLUSTRIX_CLUSTER, ${valid.sort().join(', ')}`,
        { source: `environment variable ${name}`, keyPath: key },
      );
    }
    const value = coerce(key, raw);
    const single = parseOrThrow(z.strictObject(configFileShape).partial(), { [key]: value }, {
      source: `environment variable ${name}`,
    }) as Record<string, unknown>;
    out[key] = single[key];
  }
  return configFileSchema.parse(out);
}
