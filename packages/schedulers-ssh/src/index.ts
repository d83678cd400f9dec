/**
 * @clustrix/schedulers-ssh — run jobs detached on a plain SSH host (no batch scheduler).
 *
 *   clusters: { box: { scheduler: 'ssh', host: 'box.example.org', concurrency: 8 } }
 *
 * Each task runs in its own session on the host and survives the connection dropping; at most
 * `concurrency` CPUs (default: the host's CPU count) are used at once. See docs/schedulers/ssh.md.
 */
import { ConfigError, type SchedulerFactory } from '@clustrix/core/scheduler';
import { z } from 'zod';
import { parseProbe } from './parse.js';
import { SshScheduler } from './scheduler.js';
import { buildProbe } from './scripts.js';

export { SshScheduler, type SshSchedulerSettings } from './scheduler.js';
export { setupText, commandWithNodeOptions } from './tasks.js';
export { parseStatus, parseLaunch, parseProbe, taskStatusOf, type RawTaskState, type HostFacts } from './parse.js';
export * from './scripts.js';

export const scheduler: SchedulerFactory = {
  name: 'ssh',
  optionsShape: {
    /** Seconds between SIGTERM and SIGKILL when a job is cancelled. Default 5. */
    killGraceSeconds: z.number().int().min(0).max(3600),
  },
  async create({ clusterName, profile, transport, remoteRoot }) {
    if (transport.kind === 'local' && !profile.host) {
      throw new ConfigError(`cluster '${clusterName}' has scheduler 'ssh' but no \`host\`; set clusters.${clusterName}.host (or use scheduler: 'local')`, {
        keyPath: `clusters.${clusterName}.host`,
      });
    }
    const probe = await transport.exec(buildProbe());
    const facts = parseProbe(probe.stdout);
    return new SshScheduler({
      transport,
      remoteRoot,
      clusterName,
      facts,
      ...(profile.concurrency ? { concurrency: profile.concurrency } : {}),
      ...(typeof profile.killGraceSeconds === 'number' ? { killGraceSeconds: profile.killGraceSeconds } : {}),
    });
  },
};

export default scheduler;
