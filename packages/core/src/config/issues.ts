/** Turn zod issues into one ConfigError that names the source, the key path and the valid keys. */
import type { z } from 'zod';
import { ConfigError } from '../errors.js';

type AnySchema = z.ZodType;

function def(schema: AnySchema): Record<string, unknown> {
  return (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
}

/** Strip optional/default/nullable wrappers. */
function unwrap(schema: AnySchema): AnySchema {
  let s = schema;
  for (let i = 0; i < 10; i++) {
    const d = def(s);
    if (['optional', 'default', 'nullable', 'prefault', 'readonly', 'nonoptional'].includes(d.type as string)) {
      s = d.innerType as AnySchema;
    } else return s;
  }
  return s;
}

/** The keys an object schema accepts at `path` (record keys are walked through), or undefined. */
export function validKeysAt(schema: AnySchema, path: ReadonlyArray<PropertyKey>): string[] | undefined {
  let s = unwrap(schema);
  for (const key of path) {
    const d = def(s);
    if (d.type === 'object') {
      const shape = d.shape as Record<string, AnySchema>;
      const next = shape[String(key)];
      if (!next) return undefined;
      s = unwrap(next);
    } else if (d.type === 'record') {
      s = unwrap(d.valueType as AnySchema);
    } else return undefined;
  }
  const d = def(s);
  return d.type === 'object' ? Object.keys(d.shape as object).sort() : undefined;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

export interface IssueContext {
  /** Where the values came from: a file path, `environment`, `@cluster options`... */
  source: string;
  /** Prefix for key paths (e.g. `clusters.hpc`). */
  basePath?: ReadonlyArray<PropertyKey>;
  /** Extra valid keys to list (scheduler-specific ones). */
  extraKeys?: readonly string[];
  scope?: string;
}

export function configErrorFromIssues(issues: readonly z.core.$ZodIssue[], schema: AnySchema, ctx: IssueContext): ConfigError {
  const base = ctx.basePath ?? [];
  const lines = issues.map((issue) => {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const valid = [...new Set([...(validKeysAt(schema, issue.path) ?? []), ...(ctx.extraKeys ?? [])])].sort();
      const where = path.length ? formatPath(path) : 'the top level';
      return issue.keys
        .map((k) => `${formatPath([...path, k])}: unknown key '${k}' in ${where}; valid keys: ${valid.join(', ')}`)
        .join('\n');
    }
    const shown = path.length ? formatPath(path) : '(root)';
    return `${shown}: ${issue.message}`;
  });
  const first = issues[0];
  const keyPath = first ? formatPath([...base, ...first.path, ...(first.code === 'unrecognized_keys' ? [first.keys[0]!] : [])]) : undefined;
  return new ConfigError(`invalid configuration in ${ctx.source}:\n  ${lines.join('\n  ')}`, {
    source: ctx.source,
    ...(keyPath ? { keyPath } : {}),
    ...(ctx.scope ? { scope: ctx.scope } : {}),
  });
}

/** Parse `value` with `schema`, or throw the ConfigError. */
export function parseOrThrow<S extends AnySchema>(schema: S, value: unknown, ctx: IssueContext): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw configErrorFromIssues(r.error.issues, schema, ctx);
  return r.data as z.output<S>;
}
