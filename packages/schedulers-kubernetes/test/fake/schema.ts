/**
 * FAKE (test only). Holds FakeKubeApiServer to the real API: an object is checked against the
 * official Kubernetes OpenAPI schemas, from two packages generated from that spec:
 *   - kubernetes-models' validators (types, formats, enums, required fields), per kind;
 *   - @kubernetes/client-node's model attribute maps: no field the schema does not know, as the API
 *     server answers with `fieldValidation=Strict` (its default, Warn, drops such a field with a warning:
 *     the fake is stricter on purpose, so a misspelt field fails a test instead of vanishing).
 * Name and label rules, which the OpenAPI spec does not carry, are in validate.ts.
 * Returns the `field: problem` causes, in the API server's words; empty when the object is fine.
 */
import * as k8s from '@kubernetes/client-node';
import { validate as configMap } from 'kubernetes-models/_schemas/IoK8sApiCoreV1ConfigMap';
import { validate as configMapList } from 'kubernetes-models/_schemas/IoK8sApiCoreV1ConfigMapList';
import { validate as event } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Event';
import { validate as eventList } from 'kubernetes-models/_schemas/IoK8sApiCoreV1EventList';
import { validate as job } from 'kubernetes-models/_schemas/IoK8sApiBatchV1Job';
import { validate as jobList } from 'kubernetes-models/_schemas/IoK8sApiBatchV1JobList';
import { validate as claim } from 'kubernetes-models/_schemas/IoK8sApiCoreV1PersistentVolumeClaim';
import { validate as claimList } from 'kubernetes-models/_schemas/IoK8sApiCoreV1PersistentVolumeClaimList';
import { validate as pod } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Pod';
import { validate as podList } from 'kubernetes-models/_schemas/IoK8sApiCoreV1PodList';
import { validate as secret } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Secret';
import { validate as secretList } from 'kubernetes-models/_schemas/IoK8sApiCoreV1SecretList';

/** What an ajv-compiled validator leaves in `.errors`. */
interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
}

type Validator = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

interface KindSchema {
  /** kubernetes-models' validator (none for Status: its schema ships in a package of its own). */
  validator?: Validator;
  /** client-node's model class name. */
  model: string;
}

/** Every kind the fake stores or answers with; `apiVersion/kind` → its schemas. */
export const SCHEMAS: Record<string, KindSchema> = {
  'batch/v1/Job': { validator: job, model: 'V1Job' },
  'batch/v1/JobList': { validator: jobList, model: 'V1JobList' },
  'v1/Pod': { validator: pod, model: 'V1Pod' },
  'v1/PodList': { validator: podList, model: 'V1PodList' },
  'v1/ConfigMap': { validator: configMap, model: 'V1ConfigMap' },
  'v1/ConfigMapList': { validator: configMapList, model: 'V1ConfigMapList' },
  'v1/Secret': { validator: secret, model: 'V1Secret' },
  'v1/SecretList': { validator: secretList, model: 'V1SecretList' },
  'v1/PersistentVolumeClaim': { validator: claim, model: 'V1PersistentVolumeClaim' },
  'v1/PersistentVolumeClaimList': { validator: claimList, model: 'V1PersistentVolumeClaimList' },
  'v1/Event': { validator: event, model: 'CoreV1Event' },
  'v1/EventList': { validator: eventList, model: 'CoreV1EventList' },
  'v1/Status': { model: 'V1Status' },
};

const WATCH_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image`, as the API server names fields. */
export function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, k) => (/^\d+$/.test(k) ? `${path}[${k}]` : path ? `${path}.${k}` : k), '');
}

function valueAt(root: unknown, pointer: string): unknown {
  let v = root;
  for (const k of pointer.split('/').slice(1)) v = (v as Record<string, unknown> | undefined)?.[k.replace(/~1/g, '/').replace(/~0/g, '~')];
  return v;
}

function describeError(root: unknown, e: SchemaError): string {
  const at = fieldPath(e.instancePath);
  const value = JSON.stringify(valueAt(root, e.instancePath));
  const p = e.params;
  if (e.keyword === 'required') return `${at ? `${at}.` : ''}${String(p.missingProperty)}: Required value`;
  if (e.keyword === 'enum') return `${at}: Unsupported value: ${value}: supported values: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'type') return `${at}: Invalid value: ${value}: must be ${String(p.type)}`;
  if (e.keyword === 'format') return `${at}: Invalid value: ${value}: must be a valid ${String(p.format)}`;
  return `${at}: Invalid value: ${value}: fails ${e.keyword} ${JSON.stringify(p)}`;
}

type Model = { getAttributeTypeMap(): Array<{ baseName: string; type: string }> };

function modelOf(name: string): Model | undefined {
  const m = (k8s as unknown as Record<string, unknown>)[name] as Partial<Model> | undefined;
  return typeof m?.getAttributeTypeMap === 'function' ? (m as Model) : undefined;
}

const PRIMITIVES: Record<string, string> = { string: 'string', number: 'number', boolean: 'boolean' };

/**
 * Fields the schema does not know (`at` is the path so far), walking client-node's attribute maps;
 * with `types`, also values of the wrong JSON type (for the kinds kubernetes-models has no validator for).
 */
function unknownFields(value: unknown, type: string, at: string, out: string[], types = false): void {
  if (value === undefined || value === null) return;
  const primitive = PRIMITIVES[type];
  if (primitive) {
    if (types && typeof value !== primitive) out.push(`${at}: Invalid value: ${JSON.stringify(value)}: must be ${primitive}`);
    return;
  }
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, array[1]!, `${at}[${i}]`, out, types));
    else if (types) out.push(`${at}: Invalid value: ${JSON.stringify(value)}: must be array`);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object') for (const [k, v] of Object.entries(value)) unknownFields(v, map[1]!, `${at}[${k}]`, out, types);
    return;
  }
  const model = modelOf(type);
  if (!model || typeof value !== 'object' || Array.isArray(value)) return;
  const known = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const path = at ? `${at}.${k}` : k;
    const t = known.get(k);
    if (t === undefined) out.push(`${path}: Invalid value: ${JSON.stringify(v)?.slice(0, 80)}: unknown field "${path}"`);
    else unknownFields(v, t, path, out, types);
  }
}

/**
 * kubernetes-models requires `apiVersion` and `kind` on every object of a kind, list items too; the
 * API server leaves them out of list items (the list says them once), and the OpenAPI spec does not require them.
 */
function typeMetaOfItem(e: SchemaError): boolean {
  return e.keyword === 'required' && /^\/items\/\d+$/.test(e.instancePath) && (e.params.missingProperty === 'apiVersion' || e.params.missingProperty === 'kind');
}

/** Problems of one object of `apiVersion/kind` against the official schemas (an unknown kind is itself a problem). */
export function schemaCauses(o: unknown): string[] {
  const typed = o as { apiVersion?: string; kind?: string } | undefined;
  const key = `${typed?.apiVersion ?? '?'}/${typed?.kind ?? '?'}`;
  const schema = SCHEMAS[key];
  if (!schema) return [`kind: Invalid value: "${key}": the fake knows no schema for it`];
  const out: string[] = [];
  if (schema.validator && !schema.validator(o)) for (const e of schema.validator.errors ?? []) if (!typeMetaOfItem(e)) out.push(describeError(o, e));
  unknownFields(o, schema.model, '', out, !schema.validator);
  return out;
}

/** Problems of one watch event line: its own shape (`{type, object}`), then its object's. */
export function watchEventCauses(e: { type?: unknown; object?: unknown }): string[] {
  const out: string[] = [];
  if (typeof e.type !== 'string' || !WATCH_TYPES.has(e.type)) out.push(`type: Unsupported value: ${JSON.stringify(e.type)}`);
  unknownFields(e, 'V1WatchEvent', '', out);
  if (e.object === undefined) out.push('object: Required value');
  else out.push(...schemaCauses(e.object).map((c) => `object.${c}`));
  return out;
}

/**
 * Problems of a DELETE body (meta/v1 DeleteOptions; apiVersion and kind may be left out). `decode`: unknown fields
 * and wrong types, which the API server answers 400 BadRequest; `invalid`: values it answers 422 Invalid.
 */
export function deleteOptionsCauses(o: unknown): { decode: string[]; invalid: string[] } {
  const decode: string[] = [];
  unknownFields(o, 'V1DeleteOptions', '', decode, true);
  const p = (o as { propagationPolicy?: unknown }).propagationPolicy;
  const policies = ['Foreground', 'Background', 'Orphan'];
  const invalid = p === undefined || policies.includes(String(p)) ? [] : [`propagationPolicy: Unsupported value: ${JSON.stringify(p)}: supported values: ${policies.map((v) => `"${v}"`).join(', ')}`];
  return { decode, invalid };
}
