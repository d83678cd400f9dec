// The Kubernetes transport is a job-folder store, not a shell: it says it runs no command, and refuses one with the reason.
import { describe, expect, test } from '@jest/globals';
import { TransportError } from '@clustrix/core';
import { KubeTransport } from '@clustrix/schedulers-kubernetes';

describe('KubeTransport', () => {
  test('offers no exec: canExec is false, and a command is refused naming what to do instead', async () => {
    const transport = new KubeTransport('kubernetes:fake');
    expect(transport.canExec).toBe(false);
    const err = await transport.exec(['/bin/sh', '-c', 'true', 'clustrix-inputs']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as Error).message).toMatch(/cannot run commands on the cluster \(asked to run \/bin\/sh for clustrix-inputs\).*into the container `image`/);
  });
});
