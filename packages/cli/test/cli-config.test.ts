// `clustrix config` and `clustrix doctor` when the configuration itself is the problem, or absent.
import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';

function folder(files: Record<string, string>): { root: string; env: Record<string, string> } {
  const root = mkdtempSync(join(tmpdir(), 'clustrix-cli-config-'));
  for (const [rel, text] of Object.entries(files)) writeFileSync(join(root, rel), text);
  mkdirSync(join(root, 'user'));
  return { root, env: { CLUSTRIX_USER_CONFIG_DIR: join(root, 'user'), CLUSTRIX_SYSTEM_CONFIG_DIR: join(root, 'etc') } };
}

describe('clustrix config', () => {
  test('without a project file it says so (and names --registry as the command line, not a project file)', async () => {
    const { root, env } = folder({ 'package.json': '{"name":"empty","private":true}' });
    const r = await runCli(['--cwd', root, '--registry', join(root, 'reg'), 'config'], { env, timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^read: command line: --registry\n/);
    expect(r.stdout).not.toContain('configure()');
  }, 60_000);

  test('a typo in a profile fails with the file and the key path, before anything connects', async () => {
    const { root, env } = folder({
      'package.json': '{"name":"typo","private":true}',
      '.clustrixrc.yaml': 'clusters:\n  hpc:\n    scheduler: slurm\n    host: login.example.org\n    partiton: gpu\n',
    });
    const config = await runCli(['--cwd', root, 'config'], { env, timeoutMs: 60_000 });
    expect(config.code).toBe(1);
    expect(config.stderr).toContain(`invalid configuration in ${join(root, '.clustrixrc.yaml')}`);
    expect(config.stderr).toMatch(/clusters\.hpc\.partiton: unknown key 'partiton'.*valid keys: .*\bpartition\b/);
    // doctor: a configuration failure, not a connection failure with SSH advice
    const doctor = await runCli(['--cwd', root, 'doctor', 'hpc'], { env, timeoutMs: 60_000 });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/✗ configuration\s+invalid configuration in .*\.clustrixrc\.yaml/);
    expect(doctor.stdout).toMatch(/clusters\.hpc\.partiton: unknown key 'partiton'/);
    expect(doctor.stdout).toMatch(/- connection\s+skipped/);
    expect(doctor.stdout).not.toMatch(/✗ connection/);
  }, 120_000);
});
