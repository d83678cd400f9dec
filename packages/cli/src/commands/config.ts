/**
 * `clustrix config [--cluster NAME]`: the effective configuration, each value with the file or
 * environment variable it came from (the highest layer that sets it). Values under `env` are shown
 * as `(set)`: they may be secrets.
 */
import type { Command } from 'commander';
import { homedir } from 'node:os';
import { loadConfig, registryDirOf, resolveCall, type LoadedConfig } from '@clustrix/core/jobs';
import { formatTable, paint } from '../format.js';
import type { GlobalOptions } from '../main.js';

export interface ProvenanceEntry {
  key: string;
  value: unknown;
  source: string;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function get(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function leaves(obj: Obj, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (isObject(v) && Object.keys(v).length) out.push(...leaves(v, [...prefix, k]));
    else out.push([...prefix, k]);
  }
  return out;
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/** The environment variable that set top-level `key`. */
function envVariable(key: string, env: NodeJS.ProcessEnv): string {
  if (key === 'defaultCluster') return env.CLUSTRIX_CLUSTER !== undefined ? 'CLUSTRIX_CLUSTER' : 'CLUSTRIX_DEFAULT_CLUSTER';
  return `CLUSTRIX_${snake(key)}`;
}

/** Where the value at `path` comes from: the highest layer that sets it. */
export function sourceOf(loaded: LoadedConfig, path: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const layer of [...loaded.layers].reverse()) {
    if (get(layer.values, path) === undefined) continue;
    if (layer.kind === 'environment') return `environment variable ${envVariable(path[0]!, env)}`;
    if (layer.source === 'configure()') return 'command line (--registry)';
    return layer.kind === 'defaults' ? 'default' : layer.source;
  }
  return undefined;
}

/** Every value of the merged configuration with its source, sorted by key. */
export function provenance(loaded: LoadedConfig, env: NodeJS.ProcessEnv = process.env, home = homedir()): ProvenanceEntry[] {
  const out: ProvenanceEntry[] = leaves(loaded.merged as Obj).map((path) => ({
    key: path.join('.'),
    value: path.includes('env') && path.length > path.indexOf('env') + 1 ? '(set)' : get(loaded.merged, path),
    source: sourceOf(loaded, path, env) ?? 'default',
  }));
  if (loaded.merged.registryDir === undefined) out.push({ key: 'registryDir', value: registryDirOf({}, home), source: 'default' });
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/** The settings a cluster's jobs run with (its profile over the top-level defaults), with sources. */
export function clusterProvenance(loaded: LoadedConfig, name: string, env: NodeJS.ProcessEnv = process.env): ProvenanceEntry[] {
  const resolved = resolveCall(loaded.merged, {}, { cluster: name });
  return Object.entries(resolved.profile)
    .map(([k, v]) => ({
      key: k,
      value: k === 'env' && isObject(v) ? Object.fromEntries(Object.keys(v).map((e) => [e, '(set)'])) : v,
      source: sourceOf(loaded, ['clusters', name, k], env) ?? sourceOf(loaded, [k], env) ?? 'default',
    }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('the effective configuration, and which file or environment variable each value came from')
    .option('-c, --cluster <name>', "the settings one cluster's jobs run with (profile over top-level defaults)")
    .option('--json', 'as JSON: [{ key, value, source }]')
    .action(async (opts: { cluster?: string; json?: boolean }) => {
      const g = program.opts<GlobalOptions>();
      const loaded = await loadConfig({ cwd: g.cwd ?? process.cwd(), ...(g.registry ? { runtime: { registryDir: g.registry } } : {}) });
      const entries = opts.cluster ? clusterProvenance(loaded, opts.cluster) : provenance(loaded);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
        return;
      }
      // the layer made of this command's own flags (--registry) is no file the user wrote: say what it is
      const files = loaded.layers
        .filter((l) => l.kind !== 'defaults' && l.kind !== 'environment')
        .map((l) => (l.source === 'configure()' ? 'command line: --registry' : `${l.kind}: ${l.source}`));
      process.stdout.write(`${paint('read', 'gray')}: ${files.length ? files.join(', ') : 'no configuration file (defaults and environment only)'}\n\n`);
      const rows = entries.map((e) => [e.key, JSON.stringify(e.value), paint(e.source, 'gray')]);
      process.stdout.write(`${formatTable(['KEY', 'VALUE', 'SOURCE'], rows)}\n`);
    });
}
