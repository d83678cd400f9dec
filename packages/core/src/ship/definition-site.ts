/**
 * Where is the decorator being applied? The first stack frame outside Clustrix's own files is the
 * module that defines the class — whether it runs as TypeScript through tsx (a .ts URL), as
 * compiled JavaScript, or under jest.
 */
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DefinitionSite } from '../runtime/metadata.js';

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

export function captureDefinitionSite(): DefinitionSite | undefined {
  const prevLimit = Error.stackTraceLimit;
  const prevPrepare = Error.prepareStackTrace;
  let frames: NodeJS.CallSite[] | string | undefined;
  try {
    Error.stackTraceLimit = 40;
    Error.prepareStackTrace = (_e, callSites) => callSites;
    const holder: { stack?: NodeJS.CallSite[] | string } = {};
    Error.captureStackTrace(holder, captureDefinitionSite);
    frames = holder.stack;
  } finally {
    Error.stackTraceLimit = prevLimit;
    Error.prepareStackTrace = prevPrepare;
  }
  if (Array.isArray(frames)) {
    for (const f of frames) {
      const name = f.getFileName?.() ?? f.getScriptNameOrSourceURL?.();
      if (!name || name.startsWith('node:')) continue;
      const path = toPath(name);
      if (!path || isOwnFrame(path)) continue;
      const line = f.getLineNumber?.() ?? undefined;
      return line ? { file: path, line } : { file: path };
    }
    return undefined;
  }
  // Some environments install their own prepareStackTrace: parse the text instead.
  const text = typeof frames === 'string' ? frames : new Error().stack ?? '';
  for (const raw of text.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):(\d+):\d+\)?\s*$/.exec(raw);
    if (!m) continue;
    const path = toPath(m[1]!);
    if (!path || isOwnFrame(path)) continue;
    return { file: path, line: Number(m[2]) };
  }
  return undefined;
}
