/**
 * @clustrix/schedulers-kubernetes — run Clustrix jobs as Kubernetes Jobs (a call) and Indexed Jobs
 * (a map), through @kubernetes/client-node. See docs/schedulers/kubernetes.md.
 *
 *   clusters: { k8s: { scheduler: 'kubernetes', context: 'prod', namespace: 'batch', image: 'node:20-slim' } }
 */
import type { ClusterProfile, SchedulerFactory } from '@clustrix/core/scheduler';
import { ConfigError } from '@clustrix/core/scheduler';
import { connect } from './client.js';
import { kubernetesOptionsShape, readSettings } from './options.js';
import { KubernetesScheduler } from './scheduler.js';
import { KubeTransport, podPath } from './transport.js';

function transportFor(profile: ClusterProfile): KubeTransport {
  const settings = readSettings(profile);
  const where = `kubernetes:${settings.context ?? (settings.inCluster ? 'in-cluster' : 'current-context')}`;
  const volume = settings.payloadVolume;
  return new KubeTransport(where, volume ? { podRoot: podPath(profile.remoteRoot ?? '~/.clustrix'), localPath: volume.localPath } : undefined);
}

export const scheduler: SchedulerFactory = {
  name: 'kubernetes',
  optionsShape: kubernetesOptionsShape,
  createTransport: (profile) => transportFor(profile),
  async create({ profile, transport, remoteRoot, clusterName }) {
    if (!(transport instanceof KubeTransport)) {
      throw new ConfigError(`cluster '${clusterName}': the kubernetes scheduler needs its own transport; remove \`host\` from the profile`, {
        scope: 'kubernetes',
        keyPath: `clusters.${clusterName}.host`,
      });
    }
    const settings = readSettings(profile);
    const api = await connect(settings);
    return new KubernetesScheduler(api, settings, transport, remoteRoot);
  },
};

export default scheduler;
export { KubernetesScheduler } from './scheduler.js';
export { KubeTransport, POD_HOME } from './transport.js';
export { kubernetesOptionsShape, readSettings, DEFAULT_IMAGE, type KubernetesSettings, type KubernetesOptions } from './options.js';
export { checkLabelValue, isDnsLabel, renderJob, runNames, runSelector, type RunNames } from './manifest.js';
export { containerSecurityContext, podSecurityContext } from './pod-security.js';
export { RBAC_NEEDS } from './scheduler.js';
export { podResources, type PodResources } from './resources.js';
export { podTask, jobEnd, type PodLike, type JobLike } from './pod-state.js';
export { computeRun, type RunSnapshot } from './run-status.js';
export { parseFrames, findDone, type FramedOutput, type DoneFrame } from './frames.js';
export { OBJECT_LIMIT_BYTES, PAYLOAD_MOUNT } from './payload.js';
