/**
 * Run FakeKubeApiServer (a FAKE API server, pods as local processes) on its own, for trying the
 * scheduler by hand or for a dry run of the real-cluster suite:
 *
 *   npx tsx --conditions=source packages/schedulers-kubernetes/test/fake/serve.ts /tmp/fake-kubeconfig
 *   CLUSTRIX_KUBECONFIG=/tmp/fake-kubeconfig pnpm test:cluster packages/schedulers-kubernetes
 *
 * Writes a kubeconfig (context `fake`, namespace `default`) to the given path; Ctrl-C stops it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FakeKubeApiServer } from './api-server.js';

const target = resolve(process.argv[2] ?? 'fake-kubeconfig');
const workDir = mkdtempSync(join(tmpdir(), 'clustrix-fake-kubelet-'));
const fake = await FakeKubeApiServer.start({ workDir });
fake.writeKubeconfig(target);
process.stdout.write(`FakeKubeApiServer (a fake, for tests) on ${fake.url}; kubeconfig: ${target}\n`);
const stop = () =>
  void fake.close().then(() => {
    rmSync(workDir, { recursive: true, force: true });
    process.exit(0);
  });
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
