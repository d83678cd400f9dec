/**
 * Where is the decorator being applied? The first stack frame outside Clustrix's own files is the
 * module that defines the class — whether it runs as TypeScript through tsx (a .ts URL), as
 * compiled JavaScript, or under jest.
 */
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DefinitionSite } from '@clustrix/wire';

const here = fileURLToPath(import.meta.url);
/** packages/core/src or packages/core/dist */
const CORE_ROOT = dirname(dirname(here)) + sep;

function toPath(file: string): string | undefined {
  if (file.startsWith('file://')) {
    try {
      return fileURLToPath(file.split('?')[0]!);
    } catch {
      return undefined;
    }
  }
  return file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file) ? file : undefined;
}

function isOwnFrame(path: string): boolean {
  return path.startsWith(CORE_ROOT) || path.includes(`${sep}node_modules${sep}@clustrix${sep}core${sep}`);
}

/**
 * The stack is read as text, formatted by the runtime's own `prepareStackTrace`: under tsx, or node with
 * `--enable-source-maps`, that text is mapped back to the TypeScript source, so the line is the decorator's.
 * Raw call sites would give the line in the transpiled code (tsx puts the lowered decorator calls on line 1).
 */
export function captureDefinitionSite(): DefinitionSite | undefined {
  const prevLimit = Error.stackTraceLimit;
  const holder: { stack?: string } = {};
  try {
    Error.stackTraceLimit = 40;
    Error.captureStackTrace(holder, captureDefinitionSite);
    return siteFromStack(typeof holder.stack === 'string' ? holder.stack : '');
  } finally {
    Error.stackTraceLimit = prevLimit;
  }
}

/** Decorator helpers a compiler injects at the top of the module (esbuild `__decorateElement`, tsc `__esDecorate`). */
const DECORATOR_HELPER = /^\s*at (?:\S+\.)?__(?:decorateElement|decorate|esDecorate|runInitializers|decoratorStart)\b/;

/** The first frame outside Clustrix's own files in a V8 stack text: `at f (file:///x.ts:12:3)` or `at /x.js:12:3`. */
export function siteFromStack(text: string): DefinitionSite | undefined {
  for (const raw of text.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):(\d+):\d+\)?\s*$/.exec(raw);
    if (!m || DECORATOR_HELPER.test(raw)) continue;
    const path = toPath(m[1]!);
    if (!path || isOwnFrame(path)) continue;
    return { file: path, line: Number(m[2]) };
  }
  return undefined;
}
