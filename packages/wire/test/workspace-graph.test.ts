// The workspace's packages depend on each other without a cycle (pnpm warns on every install when they do), and
// every `@clustrix/*` package a source file imports is declared in its package.json: the root node_modules and
// jest's module map would otherwise let an undeclared import (an unseen edge, maybe a cycle) pass.
import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;

interface WorkspacePackage {
  name: string;
  dir: string;
  /** Names of the workspace packages it depends on, in any dependency field. */
  deps: Set<string>;
}

/** Every package of the workspace (packages/*, examples, bench) with its dependencies on the others. */
function workspacePackages(): WorkspacePackage[] {
  const dirs = [...readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d)), join(root, 'examples'), join(root, 'bench')];
  const manifests = dirs
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown> }));
  const names = new Set(manifests.map(({ pkg }) => pkg.name as string));
  return manifests.map(({ dir, pkg }) => {
    const deps = new Set<string>();
    for (const field of DEPENDENCY_FIELDS) {
      for (const dep of Object.keys((pkg[field] as Record<string, string> | undefined) ?? {})) if (names.has(dep)) deps.add(dep);
    }
    return { name: pkg.name as string, dir, deps };
  });
}

/** The first dependency cycle found, as the names along it (`[a, b, a]`), or undefined. */
function findCycle(graph: ReadonlyMap<string, Iterable<string>>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const at = path.indexOf(node);
    if (at >= 0) return [...path.slice(at), node];
    if (done.has(node)) return undefined;
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(node);
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f));
}

/** `@clustrix/*` packages a file imports statically (`from '...'`, `import '...'`), by package name; comments skipped. */
function importedWorkspacePackages(file: string): string[] {
  const code = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\/?\*)/.test(line))
    .join('\n');
  return [...code.matchAll(/(?:\bfrom|^import)\s+'(@clustrix\/[a-z-]+)(?:\/[\w/-]*)?'/gm)].map((m) => m[1]!);
}

describe('workspace package graph', () => {
  const packages = workspacePackages();
  const graph = new Map(packages.map((p) => [p.name, p.deps]));

  test('the detector finds a cycle, long or short, and passes a graph without one', () => {
    expect(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(new Map([['a', ['a']]]))).toEqual(['a', 'a']);
    expect(findCycle(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toBeUndefined();
  });

  test('reads the workspace: core, wire and remote-runner are among its packages', () => {
    expect([...graph.keys()]).toEqual(expect.arrayContaining(['@clustrix/core', '@clustrix/wire', '@clustrix/remote-runner']));
  });

  test('no dependency cycle between workspace packages (dependencies, devDependencies, peerDependencies)', () => {
    expect(findCycle(graph)).toBeUndefined();
  });

  test('the layers: wire depends on no workspace package, remote-runner only on wire, core on both', () => {
    expect([...graph.get('@clustrix/wire')!]).toEqual([]);
    expect([...graph.get('@clustrix/remote-runner')!]).toEqual(['@clustrix/wire']);
    expect([...graph.get('@clustrix/core')!].sort()).toEqual(['@clustrix/remote-runner', '@clustrix/wire']);
  });

  test('every @clustrix package a source file of packages/* imports is declared in its package.json', () => {
    const undeclared: string[] = [];
    for (const pkg of packages.filter((p) => p.dir.startsWith(join(root, 'packages')))) {
      for (const file of sourceFiles(join(pkg.dir, 'src'))) {
        for (const dep of importedWorkspacePackages(file)) {
          if (dep !== pkg.name && !pkg.deps.has(dep)) undeclared.push(`${file.slice(root.length)} imports ${dep}, which ${pkg.name} does not declare`);
        }
      }
    }
    expect(undeclared).toEqual([]);
  });
});
