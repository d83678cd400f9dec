// The shared conformance suite on the Kubernetes scheduler, against FakeKubeApiServer (a FAKE API
// server held to the official schemas; its fake kubelet runs each pod as a local process).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeConformance } from '@clustrix/scheduler-test-suite';
import { scheduler } from '@clustrix/schedulers-kubernetes';
import { FakeKubeApiServer } from './fake/index.js';

async function startFakeApiServer() {
  const root = mkdtempSync(join(tmpdir(), 'clustrix-k8s-conformance-'));
  const fake = await FakeKubeApiServer.start({ workDir: join(root, 'kubelet'), namespaces: ['conformance'] });
  const kubeconfig = fake.writeKubeconfig(join(root, 'kubeconfig'), 'conformance');
  const teardown = async () => {
    await fake.close();
    rmSync(root, { recursive: true, force: true });
  };
  return { profile: { kubeconfig, context: 'fake' }, teardown };
}

describeConformance({
  title: 'kubernetes conformance (fake API server)',
  scheduler,
  // remoteRoot is the pods' path (the suite would otherwise give a folder of this machine, for local schedulers).
  profile: { scheduler: 'kubernetes', remoteRoot: '~/.clustrix' },
  setup: startFakeApiServer,
  unsupported: { partition: 'gpu' },
  timeLimit: { time: 2, sleep: 60 },
  arraySize: 8,
});
