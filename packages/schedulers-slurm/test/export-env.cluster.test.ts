// Issue 11 item 5, on the real SLURM testbed (local transport: this process is the submitter): a
// variable set in the submitting environment is absent in the job (jobs go with --export=NONE)
// unless it is named in `exportEnv`; the job still finds `node` (PATH from the login environment)
// and gets `env`; no value ends up in the job script.
import { afterAll, describe, expect, test } from '@jest/globals';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure, shutdown, submit, withOptions } from '@clustrix/core';
import { EnvJobs } from './env-jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-slurm-env-'));
chmodSync(root, 0o755);
const secret = `submitter-secret-${process.pid}`;
const named = `named-on-purpose-${process.pid}`;
process.env.CLUSTRIX_TEST_SUBMITTER_TOKEN = secret;
process.env.CLUSTRIX_TEST_NAMED = named;
afterAll(async () => {
  delete process.env.CLUSTRIX_TEST_SUBMITTER_TOKEN;
  delete process.env.CLUSTRIX_TEST_NAMED;
  await shutdown();
});

configure(
  { defaultCluster: 'slurm', remoteRoot: join(root, 'remote'), cacheDir: join(root, 'cache'), clusters: { slurm: { scheduler: 'slurm', pollMinMs: 100, pollMaxMs: 1000 } } },
  { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') },
);

describe('the submitter environment stays home (SLURM, --export=NONE)', () => {
  const names = ['CLUSTRIX_TEST_SUBMITTER_TOKEN', 'CLUSTRIX_TEST_NAMED', 'FROM_ENV', 'PATH'];

  test('a variable of the submitting process is absent in the job unless named in exportEnv', async () => {
    const plain = await new EnvJobs().variables(names);
    expect(plain.CLUSTRIX_TEST_SUBMITTER_TOKEN).toBeNull();
    expect(plain.CLUSTRIX_TEST_NAMED).toBeNull();
    expect(plain.PATH).toEqual(expect.stringContaining('/usr/bin')); // the login environment: node was found

    const h = await withOptions({ exportEnv: ['CLUSTRIX_TEST_NAMED'], env: { FROM_ENV: 'e' } }, () => submit(() => new EnvJobs().variables(names)));
    const passed = await h.result();
    expect(passed.CLUSTRIX_TEST_NAMED).toBe(named);
    expect(passed.FROM_ENV).toBe('e');
    expect(passed.CLUSTRIX_TEST_SUBMITTER_TOKEN).toBeNull();
    const script = readFileSync(join(root, 'remote', 'jobs', h.id, 'job.sh'), 'utf8');
    expect(script).toContain('#SBATCH --export=NONE');
    expect(script).not.toContain(named);
    expect(script).not.toContain('CLUSTRIX_TEST_NAMED');
  }, 180_000);
});
