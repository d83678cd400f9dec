// createClustrix: two configurations in one process, each with its own clusters, registry and events, on the local
// scheduler; the module-level API (the default instance) is neither configured nor reset here, and hears nothing.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onJobEvent, type JobEvent } from '@clustrix/core';
import { createClustrix, type Clustrix } from '@clustrix/core';
import { Worker } from './fixtures/jobs.js';

function instance(name: string): { clustrix: Clustrix; root: string; events: JobEvent[] } {
  const root = mkdtempSync(join(tmpdir(), `clustrix-client-${name}-`));
  const clustrix = createClustrix(
    { remoteRoot: join(root, 'remote'), registryDir: join(root, 'registry'), clusters: { [name]: { scheduler: 'local' } }, defaultCluster: name },
    { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') },
  );
  const events: JobEvent[] = [];
  clustrix.onJobEvent((e) => events.push(e));
  return { clustrix, root, events };
}

const a = instance('alpha');
const b = instance('beta');
const heardByDefault: JobEvent[] = [];
const off = onJobEvent((e) => heardByDefault.push(e));
afterAll(async () => {
  off();
  await Promise.all([a.clustrix.shutdown(), b.clustrix.shutdown()]);
});

const idsOf = (events: JobEvent[]) => [...new Set(events.map((e) => e.jobId))].sort();

describe('createClustrix: two configurations in one process', () => {
  test('each instance submits to its own cluster and remote root, records in its own registry, and hears its own events', async () => {
    const [ha, hb] = await Promise.all([a.clustrix.submit(() => Worker.add(1, 2)), b.clustrix.submit(() => Worker.add(3, 4))]);
    await expect(Promise.all([ha.result(), hb.result()])).resolves.toEqual([3, 7]);
    expect([ha.cluster, hb.cluster]).toEqual(['alpha', 'beta']);
    expect(existsSync(join(a.root, 'remote', 'jobs', ha.id))).toBe(true);
    expect(existsSync(join(b.root, 'remote', 'jobs', hb.id))).toBe(true);
    expect(existsSync(join(a.root, 'remote', 'jobs', hb.id))).toBe(false);
    expect((await a.clustrix.listJobs()).map((r) => r.id)).toEqual([ha.id]);
    expect((await b.clustrix.listJobs()).map((r) => r.id)).toEqual([hb.id]);
    await expect(a.clustrix.getJob(hb.id)).rejects.toThrow(/no job .* in the registry at .*clustrix-client-alpha-/);
    expect((await b.clustrix.getJob(hb.id)).cluster).toBe('beta');
    expect(idsOf(a.events)).toEqual([ha.id]);
    expect(idsOf(b.events)).toEqual([hb.id]);
    expect(a.events.map((e) => e.type)).toEqual(expect.arrayContaining(['submitted', 'item', 'done']));
  });

  test('a decorated call made inside run() uses the instance, and so does its cluster runtime', async () => {
    await expect(b.clustrix.run(() => Worker.add(5, 6))).resolves.toBe(11);
    const records = await b.clustrix.listJobs();
    expect(records).toHaveLength(2);
    expect(records.every((r) => r.cluster === 'beta')).toBe(true);
    expect((await a.clustrix.listJobs()).length).toBe(1);
    const [alpha, beta] = await Promise.all([a.clustrix.getCluster(), b.clustrix.getCluster()]);
    expect([alpha.name, beta.name]).toEqual(['alpha', 'beta']);
    expect(alpha.remoteRoot).toBe(join(a.root, 'remote'));
    expect(alpha).not.toBe(beta);
  });

  test('configure() of one instance changes only that instance', async () => {
    const c = instance('gamma');
    c.clustrix.configure({ remoteRoot: join(c.root, 'elsewhere'), registryDir: join(c.root, 'registry'), clusters: { gamma: { scheduler: 'local' } }, defaultCluster: 'gamma' }, { cwd: c.root, env: {}, home: c.root, systemDir: join(c.root, 'etc') });
    expect((await c.clustrix.getCluster()).remoteRoot).toBe(join(c.root, 'elsewhere'));
    expect((await a.clustrix.getCluster()).remoteRoot).toBe(join(a.root, 'remote'));
    await c.clustrix.shutdown();
  });

  test('the default instance heard none of it', () => {
    expect(heardByDefault).toEqual([]);
  });
});
