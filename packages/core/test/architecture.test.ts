// Core's shape, checked from its sources: files under 300 lines, functions under 60, every import running
// down the layer list (or within a layer), and no import cycle between files. docs/architecture.md shows the tree.
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;

/**
 * Bottom → top. A file belongs to the layer of the longest prefix that names it; a file directly in src/ that no
 * layer names is an entry point (the top). An import may go to the same layer or a lower one.
 */
const LAYERS: ReadonlyArray<{ name: string; paths: readonly string[] }> = [
  { name: 'base', paths: ['polyfill.ts', 'errors.ts', 'util/'] },
  { name: 'values', paths: ['resources/parse.ts', 'resources/gate.ts'] },
  { name: 'options', paths: ['options.ts'] },
  { name: 'resources', paths: ['resources/'] },
  { name: 'contracts', paths: ['transport/contract.ts', 'config/schema.ts', 'scheduler/'] },
  { name: 'config', paths: ['config/'] },
  { name: 'transport', paths: ['transport/'] },
  { name: 'batch', paths: ['batch/'] },
  { name: 'wire/runtime', paths: ['wire/', 'runtime/'] },
  { name: 'ship', paths: ['ship/'] },
  { name: 'registry', paths: ['registry/'] },
  { name: 'exec/files', paths: ['exec/files/'] },
  { name: 'exec/cluster', paths: ['exec/cluster/'] },
  { name: 'exec/run', paths: ['exec/run/'] },
  { name: 'exec/call', paths: ['exec/call/'] },
  { name: 'api', paths: ['api/', 'cluster-decorator.ts'] },
  // entry points (each only re-exports): the user entry index.ts, entry/ (scheduler authors, tooling), the shipped runtime
  { name: 'entry', paths: ['entry/', 'runtime/index.ts'] },
];
const ENTRY = LAYERS.length;

/**
 * Files that still break a rule, each with who fixes it. Clear an entry when its file passes: the last test fails
 * while an entry is no longer needed.
 */
const KNOWN_EXCEPTIONS: Record<string, string> = {};

interface SourceFile {
  rel: string;
  lines: number;
  imports: string[];
  functions: Array<{ name: string; line: number; lines: number }>;
}

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return listSources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

function functionName(node: ts.Node, file: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(file);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))) return parent.name.getText(file);
  return '(anonymous)';
}

function isFunctionWithBody(node: ts.Node): node is ts.FunctionLikeDeclaration & { body: ts.Node } {
  return (
    (ts.isFunctionDeclaration(node) ||
      ts.isFunctionExpression(node) ||
      ts.isArrowFunction(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isSetAccessorDeclaration(node)) &&
    node.body !== undefined
  );
}

/** Relative module specifiers of a file's imports, re-exports and dynamic imports, resolved to src-relative paths. */
function analyse(rel: string, text: string): SourceFile {
  const file = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  const functions: SourceFile['functions'] = [];
  const lineOf = (pos: number) => file.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      specifiers.push(node.arguments[0].text);
    }
    if (isFunctionWithBody(node)) {
      const start = lineOf(node.getStart(file));
      functions.push({ name: functionName(node, file), line: start, lines: lineOf(node.getEnd()) - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  const imports = specifiers
    .filter((s) => s.startsWith('.'))
    .map((s) => posix.normalize(posix.join(posix.dirname(rel), s)).replace(/\.js$/, '.ts'));
  return { rel, lines: text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length, imports, functions };
}

function layerOf(rel: string): number | undefined {
  let best: { layer: number; length: number } | undefined;
  LAYERS.forEach((l, layer) => {
    for (const p of l.paths) {
      const hit = p.endsWith('/') ? rel.startsWith(p) : rel === p;
      if (hit && (!best || p.length > best.length)) best = { layer, length: p.length };
    }
  });
  if (best) return best.layer;
  return rel.includes('/') ? undefined : ENTRY;
}

const layerName = (layer: number) => (layer === ENTRY ? 'entry' : LAYERS[layer]!.name);

/** Every cycle of imports between files, each as the files in order (found by depth-first search). */
function importCycles(files: ReadonlyMap<string, SourceFile>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const walk = (rel: string): void => {
    state.set(rel, 'open');
    stack.push(rel);
    for (const next of files.get(rel)?.imports ?? []) {
      if (!files.has(next)) continue;
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) walk(next);
    }
    stack.pop();
    state.set(rel, 'done');
  };
  for (const rel of [...files.keys()].sort()) if (!state.has(rel)) walk(rel);
  return cycles;
}

const sources = new Map(
  listSources(SRC).map((path) => {
    const rel = relative(SRC, path).split('\\').join('/');
    return [rel, analyse(rel, readFileSync(path, 'utf8'))] as const;
  }),
);
const checked = [...sources.values()].filter((f) => !(f.rel in KNOWN_EXCEPTIONS));

/** What is wrong with one file, as readable lines (empty: nothing). */
function problemsOf(f: SourceFile): string[] {
  const out: string[] = [];
  if (f.lines > MAX_FILE_LINES) out.push(`${f.rel}: ${f.lines} lines (at most ${MAX_FILE_LINES})`);
  for (const fn of f.functions) if (fn.lines > MAX_FUNCTION_LINES) out.push(`${f.rel}:${fn.line}: ${fn.name} is ${fn.lines} lines (at most ${MAX_FUNCTION_LINES})`);
  const mine = layerOf(f.rel);
  for (const target of f.imports) {
    const theirs = layerOf(target);
    if (mine !== undefined && theirs !== undefined && theirs > mine) out.push(`${f.rel} (${layerName(mine)}) imports ${target} (${layerName(theirs)}), a higher layer`);
  }
  return out;
}

describe("core's sources", () => {
  test('are found and parsed (the checks below see real files)', () => {
    expect(sources.size).toBeGreaterThan(80);
    expect(sources.get('options.ts')?.lines).toBeGreaterThan(50);
    expect([...sources.values()].some((f) => f.imports.includes('errors.ts'))).toBe(true);
  });

  test('every file belongs to a layer', () => {
    expect([...sources.keys()].filter((rel) => layerOf(rel) === undefined)).toEqual([]);
  });

  test(`no file over ${MAX_FILE_LINES} lines`, () => {
    expect(checked.filter((f) => f.lines > MAX_FILE_LINES).map((f) => `${f.rel}: ${f.lines}`)).toEqual([]);
  });

  test(`no function over ${MAX_FUNCTION_LINES} lines`, () => {
    expect(checked.flatMap((f) => f.functions.filter((fn) => fn.lines > MAX_FUNCTION_LINES).map((fn) => `${f.rel}:${fn.line} ${fn.name}: ${fn.lines}`))).toEqual([]);
  });

  test('no import runs up the layer list', () => {
    expect(checked.flatMap((f) => problemsOf(f).filter((p) => p.endsWith('a higher layer')))).toEqual([]);
  });

  test('no import cycle between files', () => {
    const cycles = importCycles(sources).filter((c) => !c.some((rel) => rel in KNOWN_EXCEPTIONS));
    expect(cycles.map((c) => c.join(' → '))).toEqual([]);
  });

  test('the checks catch what they are for (a long file, a long function, an upward import, a cycle)', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const text = [
      "import { map } from '../../api/map.js';",
      "import type { Outcome } from '../run/job-outcome.js';",
      `export function long(): void {\n${body(MAX_FUNCTION_LINES - 1)}\n}`,
      `class K {\n  short = () => {\n${body(MAX_FUNCTION_LINES - 2)}\n  };\n}`,
      ...Array.from({ length: MAX_FILE_LINES - 2 * MAX_FUNCTION_LINES - 4 }, () => '//'),
    ].join('\n');
    expect(problemsOf(analyse('exec/files/x.ts', `${text}\n`))).toEqual([
      `exec/files/x.ts: ${MAX_FILE_LINES + 1} lines (at most ${MAX_FILE_LINES})`,
      `exec/files/x.ts:3: long is ${MAX_FUNCTION_LINES + 1} lines (at most ${MAX_FUNCTION_LINES})`,
      'exec/files/x.ts (exec/files) imports api/map.ts (api), a higher layer',
      'exec/files/x.ts (exec/files) imports exec/run/job-outcome.ts (exec/run), a higher layer',
    ]);
    const a = analyse('a.ts', "import { b } from './b.js';\nexport const a = 1;\n");
    const b = analyse('b.ts', "export { a } from './a.js';\nexport const b = await import('./c.js');\n");
    expect(b.imports).toEqual(['a.ts', 'c.ts']);
    expect(importCycles(new Map([['a.ts', a], ['b.ts', b]]))).toEqual([['a.ts', 'b.ts', 'a.ts']]);
  });

  test('each known exception still breaks a rule (clear it when it does not)', () => {
    const cyclic = new Set(importCycles(sources).flat());
    const cleared = Object.keys(KNOWN_EXCEPTIONS).filter((rel) => {
      const f = sources.get(rel);
      return !f || (problemsOf(f).length === 0 && !cyclic.has(rel));
    });
    expect(cleared).toEqual([]);
  });
});
