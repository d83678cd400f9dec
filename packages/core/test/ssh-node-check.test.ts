// The Node check before submission (run for real through the local transport), and the in-memory
// listing that lets tinyglobby match output patterns against a remote folder.
import { describe, expect, test } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { glob } from 'tinyglobby';
import { ConfigError, LocalTransport } from '../src/entry/scheduler.js';
import { listingFs } from '../src/exec/files/listing-fs.js';
import { checkRemoteNode, isSupportedNode, parseNodeVersion, preparationScript } from '../src/exec/files/node-check.js';

const dir = mkdtempSync(join(tmpdir(), 'clustrix-nodecheck-'));

function fakeNode(name: string, version: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\necho ${version}\n`);
  chmodSync(p, 0o755);
  return p;
}

describe('checkRemoteNode', () => {
  test('the Node that runs here passes, and the answer is cached per transport', async () => {
    const t = new LocalTransport();
    const v = await checkRemoteNode({ transport: t, clusterName: 'c', options: { nodePath: process.execPath } });
    expect(v).toBe(process.versions.node);
    expect(checkRemoteNode({ transport: t, clusterName: 'c', options: { nodePath: process.execPath } })).toBe(checkRemoteNode({ transport: t, clusterName: 'c', options: { nodePath: process.execPath } }));
  });

  test('a missing node names the host, what was tried and the key to set', async () => {
    const err = await checkRemoteNode({ transport: new LocalTransport(), clusterName: 'hpc', options: { nodePath: '/no/such/node', setup: ['export A=1'] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.keyPath).toBe('clusters.hpc.nodePath');
    expect(e.message).toContain("no usable Node.js on localhost: Node.js was not found when running `export A=1; '/no/such/node' -p process.versions.node`");
    expect(e.message).toContain('clusters.hpc.setup');
  });

  test('a too-old node is refused with its version', async () => {
    const old = fakeNode('node18', 'v18.19.0');
    const err = await checkRemoteNode({ transport: new LocalTransport(), clusterName: 'hpc', options: { nodePath: old } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('Node.js 18.19.0 on localhost');
    expect((err as Error).message).toContain('needs 20.10 or newer');
  });

  test('setup runs first: it can put node on PATH', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    fakeNode('bin/node', '22.3.0');
    const v = await checkRemoteNode({ transport: new LocalTransport(), clusterName: 'c', options: { setup: [`PATH='${bin}':$PATH`] } });
    expect(v).toBe('22.3.0');
  });

  test('versions and preparation text', () => {
    expect(parseNodeVersion('v20.10.0\n')).toEqual([20, 10, 0]);
    expect(parseNodeVersion('banner\n20.9.1')).toEqual([20, 9, 1]);
    expect(isSupportedNode([20, 9, 9])).toBe(false);
    expect(isSupportedNode([20, 10, 0])).toBe(true);
    expect(isSupportedNode([21, 0, 0])).toBe(true);
    expect(preparationScript({ modules: ['nodejs/20'], setup: ['echo hi'] })).toBe(
      "command -v module >/dev/null 2>&1 || . /etc/profile >/dev/null 2>&1; module load 'nodejs/20'\necho hi",
    );
  });
});

describe('listingFs + tinyglobby', () => {
  const files = ['out/a.txt', 'out/deep/b.txt', 'out/c.bin', 'report.json', 'job.json', '.hidden/x.txt', 'weird name $(x).txt'];

  test('globs match the listed files like they would on disk', async () => {
    const fs = listingFs('/remote/job', files) as never;
    const opts = { cwd: '/remote/job', dot: true, onlyFiles: true, expandDirectories: false, fs };
    expect((await glob(['out/**/*.txt'], opts)).sort()).toEqual(['out/a.txt', 'out/deep/b.txt']);
    expect((await glob(['*.json'], { ...opts, ignore: ['job.json'] })).sort()).toEqual(['report.json']);
    expect((await glob(['**/*.txt'], { ...opts, dot: false })).sort()).toEqual(['out/a.txt', 'out/deep/b.txt', 'weird name $(x).txt']);
    expect(await glob(['nothing/**'], opts)).toEqual([]);
  });
});
