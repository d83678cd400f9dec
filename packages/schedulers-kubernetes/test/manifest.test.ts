// The Job manifest as a pure function of the request and the profile: the mapping table of
// docs/schedulers/kubernetes.md, checked entry by entry.
import { describe, expect, test } from '@jest/globals';
import { ConfigError } from '@clustrix/core';
import type { SubmitRequest } from '@clustrix/core/scheduler';
import { podResources, readSettings, renderJob, runNames, type KubernetesSettings } from '@clustrix/schedulers-kubernetes';

const ROOT = '/clustrix/.clustrix';

function request(over: Partial<SubmitRequest> = {}): SubmitRequest {
  const jobDir = `${ROOT}/jobs/20261129-101500-0a1b2c3d`;
  return { jobId: '20261129-101500-0a1b2c3d', jobDir, command: ['node', `${ROOT}/runner/0.1.0-ab/clustrix-runner.mjs`, jobDir], options: {}, ...over };
}

function render(req: SubmitRequest, profile: Record<string, unknown> = {}) {
  const settings: KubernetesSettings = readSettings({ scheduler: 'kubernetes', ...profile });
  const job = renderJob({ request: req, settings, namespace: 'science', names: runNames(req.jobId, req.options.jobName ?? req.label), payloadKind: 'configmap', root: ROOT }) as {
    metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
    spec: Record<string, unknown> & { template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> & { containers: Array<Record<string, unknown>>; volumes: unknown[] } } };
  };
  return { job, pod: job.spec.template.spec, container: job.spec.template.spec.containers[0]! };
}

describe('resource mapping', () => {
  test.each([
    [{ cpus: 4 }, { requests: { cpu: '4' }, limits: { cpu: '4' } }],
    [{ memory: '4G' }, { requests: { memory: '4096Mi' }, limits: { memory: '4096Mi' } }],
    [{ memory: 512 }, { requests: { memory: '512Mi' }, limits: { memory: '512Mi' } }],
    [{ gpus: 2 }, { limits: { 'nvidia.com/gpu': '2' } }],
    [{ time: '2h' }, { deadlineSeconds: 7200 }],
    [{ time: '1-00:00:00' }, { deadlineSeconds: 86400 }],
  ])('%j → %j', (options, expected) => {
    expect(podResources(options, { gpuResource: 'nvidia.com/gpu' })).toEqual(expected);
  });

  test('typed GPUs select nodes by gpuTypeLabel, and need it', () => {
    expect(podResources({ gpus: 'a100:2' }, { gpuResource: 'nvidia.com/gpu', gpuTypeLabel: 'nvidia.com/gpu.product' })).toEqual({
      limits: { 'nvidia.com/gpu': '2' },
      nodeSelector: { 'nvidia.com/gpu.product': 'a100' },
    });
    expect(() => podResources({ gpus: 'a100:2' }, { gpuResource: 'nvidia.com/gpu' })).toThrow(ConfigError);
    expect(podResources({ gpus: 1 }, { gpuResource: 'amd.com/gpu' })).toEqual({ limits: { 'amd.com/gpu': '1' } });
  });
});

describe('renderJob', () => {
  test('a call: one pod, no retries, the Job-level deadline, TTL, the runner behind the pod entry', () => {
    const { job, pod, container } = render(request({ options: { cpus: 2, memory: '1G', time: 90 }, label: 'Model.fit' }));
    expect(job.metadata).toMatchObject({ name: 'model-fit-20261129-101500-0a1b2c3d', namespace: 'science' });
    expect(job.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 0, activeDeadlineSeconds: 90, ttlSecondsAfterFinished: 600 });
    expect(job.spec).not.toHaveProperty('completionMode');
    expect(pod).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false, enableServiceLinks: false });
    expect(pod).not.toHaveProperty('activeDeadlineSeconds');
    expect(container).toMatchObject({
      name: 'job',
      image: 'node:20-slim',
      workingDir: ROOT,
      resources: { requests: { cpu: '2', memory: '1024Mi' }, limits: { cpu: '2', memory: '1024Mi' } },
    });
    expect(container.command).toEqual(['node', '/clustrix-payload/entry.mjs', '/clustrix-payload', ROOT, '--', ...request().command]);
    expect(pod.volumes).toEqual([
      { name: 'clustrix-payload', configMap: { name: 'model-fit-20261129-101500-0a1b2c3d-payload', defaultMode: 0o444 } },
      { name: 'clustrix-work', emptyDir: {} },
    ]);
  });

  test('a map: one Indexed Job, parallelism = concurrency, per-index failures, per-pod deadline', () => {
    const { job, pod } = render(request({ count: 50, concurrency: 8, options: { time: '10m' } }));
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 50, parallelism: 8, backoffLimitPerIndex: 0 });
    expect(job.spec).not.toHaveProperty('backoffLimit');
    expect(job.spec).not.toHaveProperty('activeDeadlineSeconds');
    expect(pod.activeDeadlineSeconds).toBe(600);
    expect(render(request({ count: 5 })).job.spec.parallelism).toBe(5);
    expect(render(request({ count: 5, concurrency: 50 })).job.spec.parallelism).toBe(5);
  });

  test('profile keys: namespace-level placement, identity, labels and pull secrets', () => {
    const { job, pod, container } = render(request({ options: { gpus: 'a100:1' } }), {
      image: 'ghcr.io/acme/node:20',
      imagePullPolicy: 'Always',
      nodeSelector: { pool: 'batch' },
      gpuTypeLabel: 'nvidia.com/gpu.product',
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      serviceAccountName: 'runner',
      imagePullSecrets: ['ghcr-creds'],
      labels: { team: 'physics' },
      annotations: { 'example.com/owner': 'ana' },
      ttlSecondsAfterFinished: 60,
      securityContext: { runAsUser: 1000, fsGroup: 1000 },
    });
    expect(container).toMatchObject({ image: 'ghcr.io/acme/node:20', imagePullPolicy: 'Always', resources: { limits: { 'nvidia.com/gpu': '1' } } });
    expect(pod).toMatchObject({
      nodeSelector: { pool: 'batch', 'nvidia.com/gpu.product': 'a100' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      serviceAccountName: 'runner',
      imagePullSecrets: [{ name: 'ghcr-creds' }],
      securityContext: { runAsUser: 1000, fsGroup: 1000 },
    });
    expect(pod).not.toHaveProperty('automountServiceAccountToken');
    for (const labels of [job.metadata.labels, job.spec.template.metadata.labels]) {
      expect(labels).toEqual({ team: 'physics', 'app.kubernetes.io/managed-by': 'clustrix', 'clustrix.io/job-id': '20261129-101500-0a1b2c3d' });
    }
    expect(job.metadata.annotations).toMatchObject({ 'example.com/owner': 'ana', 'clustrix.io/job-dir': request().jobDir });
    expect(job.spec.ttlSecondsAfterFinished).toBe(60);
  });

  test('payloadVolume mounts the claim at the remote root', () => {
    const { pod, container } = render(request(), { payloadVolume: { claimName: 'shared', localPath: '/mnt/shared', subPath: 'clustrix' } });
    expect(pod.volumes).toContainEqual({ name: 'clustrix-work', persistentVolumeClaim: { claimName: 'shared' } });
    expect(container.volumeMounts).toContainEqual({ name: 'clustrix-work', mountPath: ROOT, subPath: 'clustrix' });
  });
});

describe('runNames', () => {
  test('DNS labels short enough for Indexed Job pod hostnames', () => {
    const id = '20261129-101500-0a1b2c3d';
    expect(runNames(id)).toEqual({ job: `clustrix-${id}`, payload: `clustrix-${id}-payload` });
    expect(runNames(id, 'My Very Long Experiment Name (v2)!').job).toBe(`my-very-long-experim-${id}`);
    for (const name of ['__', 'Ünïcode', 'a'.repeat(100)]) {
      const { job } = runNames(id, name);
      expect(job).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(job.length).toBeLessThanOrEqual(52);
    }
  });
});
