// Job folders do not pile up: the daily retention sweep (retentionDays) on the local scheduler, with real folders.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configure, shutdown, withOptions } from '@clustrix/core';
import { getCluster, getJob } from '@clustrix/core/jobs';
import { openRegistry } from '../src/registry/store.js';
import { sweepOnSchedule } from '../src/exec/run/retention.js';
import { Worker } from './fixtures/jobs.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-retention-'));
const remote = join(root, 'remote');
const registryDir = join(root, 'registry');
configure({ remoteRoot: remote, registryDir, clusters: { local: { scheduler: 'local', pollMinMs: 50, pollMaxMs: 200 } } }, { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') });
afterAll(() => shutdown());

const DAY_MS = 86_400_000;
const w = new Worker('r');

/** A job folder of another registry (unknown here), `days` old, with or without the end marker. */
function foreignFolder(name: string, days: number, ended: boolean): string {
  const dir = join(remote, 'jobs', name);
  mkdirSync(dir, { recursive: true });
  if (ended) writeFileSync(join(dir, 'exit_code'), '0\n');
  const t = new Date(Date.now() - days * DAY_MS);
  utimesSync(dir, t, t);
  return dir;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
}

describe('retentionDays: the daily sweep of ended jobs\' folders', () => {
  test('after a call ends, folders of ended jobs older than 14 days go; a running-looking or young folder stays', async () => {
    const old = foreignFolder('20250101-000000-oldended', 20, true);
    const unknown = foreignFolder('20250101-000000-nomarker', 20, false);
    const young = foreignFolder('20250101-000000-young', 3, true);
    expect((await w.echo(1)).value).toBe(1);
    await until(() => !existsSync(old));
    expect(existsSync(old)).toBe(false);
    expect(existsSync(unknown)).toBe(true); // its end is not proven: it may still be running
    expect(existsSync(young)).toBe(true);
    expect(existsSync(join(registryDir, 'retention', 'local'))).toBe(true);
  }, 60_000);

  test('at most once a day per cluster (the stamp is shared by every process); a day later it sweeps again', async () => {
    const rt = await getCluster('local');
    const registry = await openRegistry(registryDir);
    const old = foreignFolder('20250101-000000-second', 30, true);
    await sweepOnSchedule(rt, registry, 14);
    expect(existsSync(old)).toBe(true); // swept today already
    await sweepOnSchedule(rt, registry, 14, Date.now() + DAY_MS + 1000);
    expect(existsSync(old)).toBe(false);
  }, 60_000);

  test('a job of this registry swept: its record says so, and `retentionDays: false` sweeps nothing', async () => {
    const h = await withOptions({ retentionDays: false }, async () => w.echo(2));
    expect(h.value).toBe(2);
    const registry = await openRegistry(registryDir);
    const [record] = (await registry.list()).filter((r) => r.state === 'completed');
    const dir = record!.attempts[0]!.jobDir;
    const t = new Date(Date.now() - 40 * DAY_MS);
    utimesSync(dir, t, t);
    const rt = await getCluster('local');
    await sweepOnSchedule(rt, registry, false, Date.now() + 5 * DAY_MS);
    expect(existsSync(dir)).toBe(true);
    await sweepOnSchedule(rt, registry, 14, Date.now() + 5 * DAY_MS);
    expect(existsSync(dir)).toBe(false);
    expect(await getJob(record!.id)).toMatchObject({ removedBy: 'retention', removedAt: expect.any(String) });
    expect(readdirSync(join(remote, 'jobs')).length).toBeGreaterThan(0); // the young and unknown folders are still there
  }, 60_000);

  test('a bad value is refused before anything runs, naming the key', async () => {
    const err = await (async () => withOptions({ retentionDays: 0 } as never, async () => w.echo(3)))().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/retentionDays: .*expected number to be >0/);
  }, 60_000);
});
