/**
 * The profile keys a `scheduler: 'kubernetes'` cluster may carry, as zod schemas. Core checks a
 * profile against `kubernetesOptionsShape` when the scheduler is loaded (a ConfigError naming the
 * source and key path); `readSettings` turns a checked profile into typed settings with defaults.
 */
import { z } from 'zod';
import type { ClusterProfile } from '@clustrix/core/scheduler';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A qualified name: `name` or `prefix/name` (label and annotation keys, resource names). */
export function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length > 0 && name.length <= 63 && NAME_PART.test(name);
}

export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && NAME_PART.test(value));
}

const nonEmpty = z.string().min(1);
const dnsLabel = z.string().max(63).regex(DNS_LABEL, 'expected a DNS label: lower-case letters, digits and -, at most 63 characters');
const dnsSubdomain = z.string().max(253).regex(DNS_SUBDOMAIN, 'expected a DNS subdomain: lower-case letters, digits, - and .');
const qualifiedName = z.string().refine(isQualifiedName, {
  error: (iss) => `${JSON.stringify(iss.input)} is not a valid key; expected 'name' or 'prefix/name' (name: at most 63 letters, digits, -, _ or .)`,
});
const labelValue = z.string().refine(isLabelValue, {
  error: (iss) => `${JSON.stringify(iss.input)} is not a valid label value; expected at most 63 letters, digits, -, _ or ., starting and ending alphanumeric`,
});

const toleration = z.strictObject({
  key: qualifiedName.optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: labelValue.optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.number().int().optional(),
});

const payloadVolume = z.strictObject({
  /** A PersistentVolumeClaim in the namespace, mounted in every pod at the remote root. */
  claimName: dnsSubdomain,
  /** Where the same volume is mounted on this machine (e.g. an NFS share): Clustrix writes jobs and reads results there. */
  localPath: z.string().refine((p) => p.startsWith('/'), { error: 'expected an absolute path on this machine' }),
  /** Folder inside the volume (the mount's subPath). */
  subPath: nonEmpty.optional(),
});

/** Every key this scheduler adds to a cluster profile. */
export const kubernetesOptionsShape = {
  /** Container image that runs the runner: any image with Node >= 20 on its PATH. Default `node:20-slim`. */
  image: nonEmpty,
  /** Default: Kubernetes' own (IfNotPresent unless the tag is `latest`). */
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']),
  /** Namespace for Jobs and payloads. Default: the context's namespace, else `default`. */
  namespace: dnsLabel,
  /** kubeconfig context to use. Default: the current context. */
  context: nonEmpty,
  /** kubeconfig file. Default: the standard loading rules ($KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeconfig: nonEmpty,
  /** Use the service account of the pod this process runs in. */
  inCluster: z.boolean(),
  nodeSelector: z.record(qualifiedName, labelValue),
  tolerations: z.array(toleration),
  serviceAccountName: dnsSubdomain,
  /** Names of Secrets (type dockerconfigjson) for pulling `image`. */
  imagePullSecrets: z.array(dnsSubdomain),
  /** Extra labels on Jobs, pods and payloads. */
  labels: z.record(qualifiedName, labelValue),
  /** Extra annotations on Jobs and pods. */
  annotations: z.record(qualifiedName, z.string()),
  /** Seconds a finished Job (and its pods and payload) is kept before Kubernetes deletes it. Default 600. */
  ttlSecondsAfterFinished: z.number().int().min(0),
  /** Where the runner, bundle, instance and arguments travel: a Secret (default), or a ConfigMap (opt-in; never used for a job with `env`). */
  payloadKind: z.enum(['configmap', 'secret']),
  /** For payloads over the 1 MiB object limit: a volume mounted both here and in the pods. */
  payloadVolume,
  /** Extended resource that `gpus` requests. Default `nvidia.com/gpu`. */
  gpuResource: qualifiedName,
  /** Node label that a typed `gpus` ('a100:2') selects on, e.g. `nvidia.com/gpu.product`. */
  gpuTypeLabel: qualifiedName,
  /** Pod securityContext, merged over the restricted defaults (runAsNonRoot, runAsUser 1000, seccomp RuntimeDefault). */
  securityContext: z.record(z.string(), z.unknown()),
  /** Container securityContext, merged over the restricted defaults (no privilege escalation, capabilities drop ALL). */
  containerSecurityContext: z.record(z.string(), z.unknown()),
} as const;

export const DEFAULT_IMAGE = 'node:20-slim';
export const DEFAULT_TTL_SECONDS = 600;
export const DEFAULT_GPU_RESOURCE = 'nvidia.com/gpu';

const settingsSchema = z.object(kubernetesOptionsShape).partial();
export type KubernetesOptions = z.output<typeof settingsSchema>;

export interface KubernetesSettings extends KubernetesOptions {
  image: string;
  ttlSecondsAfterFinished: number;
  gpuResource: string;
}

/** Typed settings from a (core-checked) profile, defaults filled in. */
export function readSettings(profile: ClusterProfile): KubernetesSettings {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(kubernetesOptionsShape)) if (profile[key] !== undefined) picked[key] = profile[key];
  const parsed = settingsSchema.parse(picked);
  return {
    ...parsed,
    image: parsed.image ?? DEFAULT_IMAGE,
    ttlSecondsAfterFinished: parsed.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS,
    gpuResource: parsed.gpuResource ?? DEFAULT_GPU_RESOURCE,
  };
}
