/**
 * The Job manifest for one submission (pure: request + settings in, JSON out; tested on its own).
 * A call is a Job of one pod (backoffLimit 0: a failure is reported, not retried); a map is one
 * Indexed Job (completions = items, parallelism = the concurrency cap, backoffLimitPerIndex 0 so
 * one failed item does not stop the others; the pod reads its item from JOB_COMPLETION_INDEX).
 */
import { refuseChars, refuseValue, type SubmitRequest } from '@clustrix/core/scheduler';
import type { KubernetesSettings } from './options.js';
import { PAYLOAD_MOUNT, type PayloadKind } from './payload.js';
import { containerSecurityContext, podSecurityContext } from './pod-security.js';
import { podResources } from './resources.js';

export const LABEL_JOB_ID = 'clustrix.io/job-id';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const ANNOTATION_JOB_NAME = 'clustrix.io/job-name';
export const ANNOTATION_JOB_DIR = 'clustrix.io/job-dir';
/** The index annotation the Job controller puts on an Indexed Job's pods. */
export const ANNOTATION_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const CONTAINER_NAME = 'job';
export const INDEX_ENV = 'JOB_COMPLETION_INDEX';
const PAYLOAD_VOLUME = 'clustrix-payload';
const WORK_VOLUME = 'clustrix-work';
const TERMINATION_GRACE_SECONDS = 10;

export interface RunNames {
  /** The Job's name (and the selector value's owner). */
  job: string;
  /** The ConfigMap's or Secret's name. */
  payload: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE_ALLOWED = 'a Kubernetes label value: at most 63 letters, digits, -, _ or ., starting and ending with a letter or digit';

/**
 * The job id goes into a label value (the selector of the run's Job and pods): refused with a
 * BadValueError (code BAD_VALUE) naming the character when it cannot be one. Names are never
 * refused: `runNames` derives DNS-1123 labels, and the name as given stays in an annotation.
 */
export function checkLabelValue(key: string, value: string): string {
  refuseChars('kubernetes', key, value, /[^A-Za-z0-9._-]/u, LABEL_VALUE_ALLOWED);
  if (value.length > 63) refuseValue('kubernetes', key, value, `is ${value.length} characters long`, LABEL_VALUE_ALLOWED);
  if (value && !/^[A-Za-z0-9](.*[A-Za-z0-9])?$/u.test(value)) refuseValue('kubernetes', key, value, 'must start and end with a letter or digit', LABEL_VALUE_ALLOWED);
  return value;
}

/** True for a DNS-1123 label (what a Job's name must be). */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}

/**
 * `<jobName or clustrix>-<jobId>`: a DNS label short enough for an Indexed Job's pod hostnames,
 * derived from any jobName or `Class.method` label (lower-cased, every other character a `-`); the
 * jobName as given is kept in the `clustrix.io/job-name` annotation.
 */
export function runNames(jobId: string, jobName?: string): RunNames {
  const slug =
    (jobName ?? 'clustrix')
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 20)
      .replace(/-+$/, '') || 'clustrix';
  const job = `${slug}-${jobId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 52).replace(/-+$/, '');
  return { job, payload: `${job}-payload` };
}

/** The label selector that finds one run's Job and pods. */
export function runSelector(jobId: string): string {
  return `${LABEL_JOB_ID}=${checkLabelValue('jobId', jobId)}`;
}

export function runLabels(jobId: string, settings: Pick<KubernetesSettings, 'labels'>): Record<string, string> {
  return { ...(settings.labels ?? {}), [LABEL_MANAGED_BY]: 'clustrix', [LABEL_JOB_ID]: checkLabelValue('jobId', jobId) };
}

export interface JobManifestInput {
  request: SubmitRequest;
  settings: KubernetesSettings;
  namespace: string;
  names: RunNames;
  payloadKind: PayloadKind;
  /** The remote root in the pod (where the work volume is mounted). */
  root: string;
}

export function renderJob(input: JobManifestInput): Record<string, unknown> {
  const { request, settings, namespace, names, root } = input;
  const array = request.count !== undefined;
  const resources = podResources(request.options, settings, request.jobId);
  const labels = runLabels(request.jobId, settings);
  const annotations: Record<string, string> = {
    ...(settings.annotations ?? {}),
    [ANNOTATION_JOB_DIR]: request.jobDir,
    ...(request.options.jobName ? { [ANNOTATION_JOB_NAME]: request.options.jobName } : {}),
  };
  const [node, ...command] = request.command;
  const nodeSelector = { ...(settings.nodeSelector ?? {}), ...(resources.nodeSelector ?? {}) };
  const volume = settings.payloadVolume;
  const container = {
    name: CONTAINER_NAME,
    image: settings.image,
    ...(settings.imagePullPolicy ? { imagePullPolicy: settings.imagePullPolicy } : {}),
    command: [node, `${PAYLOAD_MOUNT}/entry.mjs`, PAYLOAD_MOUNT, root, '--', node, ...command],
    workingDir: root,
    ...(resources.requests || resources.limits
      ? { resources: { ...(resources.requests ? { requests: resources.requests } : {}), ...(resources.limits ? { limits: resources.limits } : {}) } }
      : {}),
    volumeMounts: [
      { name: PAYLOAD_VOLUME, mountPath: PAYLOAD_MOUNT, readOnly: true },
      { name: WORK_VOLUME, mountPath: root, ...(volume?.subPath ? { subPath: volume.subPath } : {}) },
    ],
    terminationMessagePolicy: 'File',
    securityContext: containerSecurityContext(settings.containerSecurityContext),
  };
  const podSpec = {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
    enableServiceLinks: false,
    ...(settings.serviceAccountName ? { serviceAccountName: settings.serviceAccountName } : { automountServiceAccountToken: false }),
    ...(array && resources.deadlineSeconds ? { activeDeadlineSeconds: resources.deadlineSeconds } : {}),
    ...(Object.keys(nodeSelector).length ? { nodeSelector } : {}),
    ...(settings.tolerations?.length ? { tolerations: settings.tolerations } : {}),
    ...(settings.imagePullSecrets?.length ? { imagePullSecrets: settings.imagePullSecrets.map((name) => ({ name })) } : {}),
    securityContext: podSecurityContext(settings.securityContext),
    containers: [container],
    volumes: [
      input.payloadKind === 'secret'
        ? { name: PAYLOAD_VOLUME, secret: { secretName: names.payload, defaultMode: 0o444 } }
        : { name: PAYLOAD_VOLUME, configMap: { name: names.payload, defaultMode: 0o444 } },
      volume ? { name: WORK_VOLUME, persistentVolumeClaim: { claimName: volume.claimName } } : { name: WORK_VOLUME, emptyDir: {} },
    ],
  };
  const count = request.count ?? 1;
  const spec = array
    ? {
        completionMode: 'Indexed',
        completions: count,
        parallelism: Math.max(1, Math.min(request.concurrency ?? count, count)),
        backoffLimitPerIndex: 0,
      }
    : { completions: 1, parallelism: 1, backoffLimit: 0, ...(resources.deadlineSeconds ? { activeDeadlineSeconds: resources.deadlineSeconds } : {}) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: names.job, namespace, labels, annotations },
    spec: {
      ...spec,
      ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished,
      template: { metadata: { labels, annotations }, spec: podSpec },
    },
  };
}
