import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@clustrix/core';
import { loadConfig, resolveCall } from '@clustrix/core/jobs';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'clustrix-config-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

function load(root: string, env: NodeJS.ProcessEnv = {}) {
  return loadConfig({ cwd: join(root, 'project'), home: join(root, 'home'), systemDir: join(root, 'etc'), env });
}

describe('configuration layers', () => {
  test('precedence: call > decorator > project > user > system > env > defaults', async () => {
    const root = tree({
      'etc/config.yml': 'time: 1h\ncpus: 1\nmemory: 1G\nqos: system\nremoteRoot: /sys-root\n',
      'home/.clustrix/config.yaml': 'time: 2h\ncpus: 2\nmemory: 2G\n',
      'project/package.json': JSON.stringify({ name: 'p', clustrix: { time: '3h', cpus: 3 } }),
    });
    const env = { CLUSTRIX_TIME: '4h', CLUSTRIX_NODE_PATH: '/opt/node/bin/node', CLUSTRIX_QOS: 'env', CLUSTRIX_JOB_NAME: 'from-env' };
    const { merged, layers } = await load(root, env);
    expect(layers.map((l) => l.kind)).toEqual(['defaults', 'environment', 'system', 'user', 'project']);
    expect(merged.cpus).toBe(3); // project over user over system
    expect(merged.memory).toBe('2G'); // user over system
    expect(merged.qos).toBe('system'); // system over environment
    expect(merged.remoteRoot).toBe('/sys-root'); // system over default
    expect(merged.nodePath).toBe('/opt/node/bin/node'); // environment over default
    expect(merged.jobName).toBe('from-env');
    expect(merged.time).toBe('3h');
    const r = resolveCall(merged, { time: '5h', cpus: 5 }, { time: '6h' });
    expect(r.options.time).toBe('6h'); // call
    expect(r.options.cpus).toBe(5); // decorator
    expect(r.options.memory).toBe('2G');
  });

  test('.clustrixrc.json, clustrix.config.mjs and .clustrixrc.yaml are found as project files', async () => {
    for (const [name, text] of [
      ['.clustrixrc.json', '{"cpus": 7}'],
      ['.clustrixrc.yaml', 'cpus: 7\n'],
      ['clustrix.config.mjs', 'export default { cpus: 7 };'],
      ['.clustrixrc', 'cpus: 7\n'],
    ] as const) {
      const root = tree({ [`project/${name}`]: text, 'project/package.json': '{"name":"p"}' });
      const { merged, layers } = await load(root);
      expect(merged.cpus).toBe(7);
      expect(layers.at(-1)!.source).toBe(join(root, 'project', name));
    }
  });

  test('clustrix.config.ts is loaded (TypeScript config)', async () => {
    const root = tree({
      'project/package.json': '{"name":"p"}',
      'project/clustrix.config.ts': 'const cpus: number = 9;\nexport default { cpus, clusters: { hpc: { scheduler: "slurm", partition: "gpu" } } };\n',
    });
    const { merged } = await load(root);
    expect(merged.cpus).toBe(9);
    expect(merged.clusters?.hpc?.partition).toBe('gpu');
  });

  test('clustrix.config.ts is transpiled by esbuild (no TypeScript compiler API): enums, satisfies, relative imports', async () => {
    const root = tree({
      'project/package.json': '{"name":"p","type":"module"}',
      'project/partitions.mjs': 'export const gpu = "gpu-a100";\n',
      'project/clustrix.config.ts':
        'import { gpu } from "./partitions.mjs";\n' +
        'enum Cpus { Few = 3 }\n' +
        'type Cfg = { cpus: number; clusters: Record<string, { scheduler: string; partition: string }> };\n' +
        'export default { cpus: Cpus.Few, clusters: { hpc: { scheduler: "slurm", partition: gpu } } } satisfies Cfg;\n',
    });
    const { merged } = await load(root);
    expect(merged.cpus).toBe(3);
    expect(merged.clusters?.hpc?.partition).toBe('gpu-a100');
    expect(readdirSync(join(root, 'project')).sort()).toEqual(['clustrix.config.ts', 'package.json', 'partitions.mjs']); // no transpiled file left behind
  });

  test('cluster profiles merge across files and a profile overrides top-level values', async () => {
    const root = tree({
      'home/.clustrix/config.yml': 'clusters:\n  hpc:\n    scheduler: slurm\n    host: login.example.org\n    partition: short\n',
      'project/.clustrixrc.json': JSON.stringify({ defaultCluster: 'hpc', time: '1h', clusters: { hpc: { partition: 'gpu', time: '2h' } } }),
    });
    const { merged } = await load(root);
    const r = resolveCall(merged);
    expect(r.clusterName).toBe('hpc');
    expect(r.profile.host).toBe('login.example.org');
    expect(r.options.partition).toBe('gpu');
    expect(r.options.time).toBe('2h');
    expect(resolveCall(merged, {}, { cluster: 'local' }).options.partition).toBeUndefined();
  });

  test('an unknown cluster name lists the configured ones', async () => {
    const root = tree({ 'project/.clustrixrc.json': JSON.stringify({ clusters: { hpc: { scheduler: 'slurm' } } }) });
    const { merged } = await load(root);
    expect(() => resolveCall(merged, { cluster: 'hcp' })).toThrow(/no cluster named 'hcp'; configured clusters: local, hpc/);
  });
});

describe('validation messages', () => {
  async function errorOf(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
    const root = tree(files);
    const err = await load(root, env).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }

  test('an unknown key names the file, the key path and the valid keys', async () => {
    const err = await errorOf({ 'project/.clustrixrc.json': JSON.stringify({ clusters: { hpc: { scheduler: 'slurm' } }, cpu: 2 }) });
    expect(err.message).toContain(`invalid configuration in ${err.source}`);
    expect(err.source).toMatch(/project\/\.clustrixrc\.json$/);
    expect(err.message).toMatch(/cpu: unknown key 'cpu' in the top level; valid keys: .*\bcpus\b.*\bdefaultCluster\b/);
    expect(err.keyPath).toBe('cpu');
  });

  test('a typo in a profile no call uses is reported at load, naming the file that has it and the key path', async () => {
    const err = await errorOf({
      'home/.clustrix/config.yml': 'clusters:\n  hpc:\n    scheduler: slurm\n',
      'project/.clustrixrc.yaml': 'defaultCluster: local\nclusters:\n  hpc:\n    partiton: gpu\n',
    });
    expect(err.source).toMatch(/project\/\.clustrixrc\.yaml$/);
    expect(err.keyPath).toBe('clusters.hpc.partiton');
    expect(err.message).toMatch(/clusters\.hpc\.partiton: unknown key 'partiton' in clusters\.hpc; valid keys: .*\bpartition\b/);
  });

  test('an unknown scheduler name lists the known ones (and names no package that does not exist)', async () => {
    const err = await errorOf({ 'project/.clustrixrc.json': JSON.stringify({ clusters: { big: { scheduler: 'lsf' } } }) });
    expect(err.source).toMatch(/project\/\.clustrixrc\.json$/);
    expect(err.keyPath).toBe('clusters.big.scheduler');
    expect(err.message).toMatch(/unknown scheduler 'lsf'; known schedulers: local, ssh, slurm, pbs, sge, kubernetes/);
    expect(err.message).not.toMatch(/schedulers-lsf/);
  });

  test('a bad value deep in a profile names its path and what was expected', async () => {
    const err = await errorOf({ 'home/.clustrix/config.yml': 'clusters:\n  hpc:\n    scheduler: slurm\n    time: soon\n' });
    expect(err.message).toContain('clusters.hpc.time: "soon" is not a time; expected seconds as a number');
    expect(err.source).toMatch(/home\/\.clustrix\/config\.yml$/);
  });

  test('a wrong type names the key', async () => {
    const err = await errorOf({ 'etc/config.json': JSON.stringify({ cpus: 'four' }) });
    expect(err.message).toMatch(/cpus: .*expected number/i);
  });

  test('an unknown environment variable lists the valid ones', async () => {
    const err = await errorOf({}, { CLUSTRIX_CPU: '4' });
    expect(err.message).toMatch(/environment variable CLUSTRIX_CPU is not a Clustrix setting; valid variables: .*CLUSTRIX_CPUS/);
  });

  test('a bad environment value names the variable', async () => {
    const err = await errorOf({}, { CLUSTRIX_CPUS: 'many' });
    expect(err.message).toContain('environment variable CLUSTRIX_CPUS');
  });

  test('a YAML syntax error names the file', async () => {
    const err = await errorOf({ 'project/.clustrixrc.yaml': 'cpus: [1,\n' });
    expect(err.message).toMatch(/cannot read .*\.clustrixrc\.yaml/);
  });
});
