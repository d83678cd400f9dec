/**
 * FAKE (test only). The part of the API server's validation that a client can trip over: names,
 * labels, ConfigMap/Secret keys and the 1 MiB data limit, and the Job fields this scheduler uses.
 * Returns the `field: problem` causes of a 422 Invalid, empty when the object is fine.
 */
import type { KubeObject } from './store.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
export const MAX_DATA_BYTES = 1024 * 1024;

function qualified(key: string): boolean {
  const i = key.lastIndexOf('/');
  const prefix = i >= 0 ? key.slice(0, i) : undefined;
  const name = i >= 0 ? key.slice(i + 1) : key;
  return (prefix === undefined || DNS_SUBDOMAIN.test(prefix)) && name.length <= 63 && NAME_PART.test(name);
}

function checkMeta(o: KubeObject, nameRule: 'label' | 'subdomain', out: string[]): void {
  const name = o.metadata?.name ?? '';
  if (!name) out.push('metadata.name: Required value: name or generateName is required');
  else if (nameRule === 'label' ? name.length > 63 || !DNS_LABEL.test(name) : name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    out.push(`metadata.name: Invalid value: "${name}": a lowercase RFC 1123 ${nameRule === 'label' ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-' or '.'`);
  }
  for (const [k, v] of Object.entries(o.metadata?.labels ?? {})) {
    if (!qualified(k)) out.push(`metadata.labels: Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.'`);
    if (v !== '' && (v.length > 63 || !NAME_PART.test(v))) out.push(`metadata.labels: Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'`);
  }
}

function checkData(o: KubeObject, kind: 'ConfigMap' | 'Secret', out: string[]): void {
  let size = 0;
  for (const field of ['data', 'binaryData', 'stringData'] as const) {
    const data = (o[field] ?? {}) as Record<string, string>;
    for (const [k, v] of Object.entries(data)) {
      if (!CONFIG_KEY.test(k)) out.push(`${field}[${k}]: Invalid value: "${k}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`);
      const bytes = field === 'binaryData' || (kind === 'Secret' && field === 'data') ? Buffer.from(v, 'base64').length : Buffer.byteLength(v);
      size += (kind === 'ConfigMap' ? k.length : 0) + bytes;
    }
  }
  if (size > MAX_DATA_BYTES) out.push(`${kind === 'ConfigMap' ? '[]' : 'data'}: Too long: must have at most ${MAX_DATA_BYTES} bytes`);
}

interface PodSpecLike {
  restartPolicy?: string;
  containers?: Array<{ name?: string; image?: string }>;
  volumes?: Array<{ name?: string }>;
}

function checkJob(o: KubeObject, out: string[]): void {
  const spec = (o.spec ?? {}) as { completionMode?: string; completions?: number; parallelism?: number; backoffLimitPerIndex?: number; template?: { spec?: PodSpecLike } };
  const pod = spec.template?.spec;
  if (!pod) {
    out.push('spec.template: Required value');
    return;
  }
  if (pod.restartPolicy !== 'Never' && pod.restartPolicy !== 'OnFailure') out.push(`spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`);
  if (!pod.containers?.length) out.push('spec.template.spec.containers: Required value');
  for (const [i, c] of (pod.containers ?? []).entries()) {
    if (!c.name || !DNS_LABEL.test(c.name)) out.push(`spec.template.spec.containers[${i}].name: Invalid value: "${c.name ?? ''}"`);
    if (!c.image) out.push(`spec.template.spec.containers[${i}].image: Required value`);
  }
  if (spec.completionMode === 'Indexed' && spec.completions === undefined) out.push('spec.completions: Required value: when completion mode is Indexed');
  if (spec.backoffLimitPerIndex !== undefined && spec.completionMode !== 'Indexed') out.push('spec.backoffLimitPerIndex: Forbidden: requires indexed completion mode');
  if (spec.parallelism !== undefined && spec.parallelism < 0) out.push('spec.parallelism: Invalid value: must be greater than or equal to 0');
}

export function validate(resource: string, o: KubeObject): string[] {
  const out: string[] = [];
  if (resource === 'jobs') {
    checkMeta(o, 'label', out);
    checkJob(o, out);
  } else {
    checkMeta(o, 'subdomain', out);
    if (resource === 'configmaps') checkData(o, 'ConfigMap', out);
    if (resource === 'secrets') checkData(o, 'Secret', out);
  }
  return out;
}
