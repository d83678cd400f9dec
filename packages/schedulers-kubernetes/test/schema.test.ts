// The fake API server held to the real API: the scheduler's objects pass the official OpenAPI schemas
// (kubernetes-models, client-node's models); a broken object is refused with the API server's 422
// Invalid; an answer of the fake's own that drifted from the schema fails loudly.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobOptions, SubmitRequest } from '@clustrix/core/scheduler';
import { connect, type KubeApi } from '../src/client.js';
import { renderJob, runLabels, runNames } from '../src/manifest.js';
import { readSettings } from '../src/options.js';
import { renderPayloadObject, type PayloadPlan } from '../src/payload.js';
import { FakeKubeApiServer } from './fake/index.js';
import { startFakeApi, stopFakeApi, until } from './helpers.js';
import { deleteOptionsCauses, fieldPath, schemaCauses, watchEventCauses } from './fake/schema.js';

const NS = 'schema';
const ROOT = '/clustrix/.clustrix';
const root = mkdtempSync(join(tmpdir(), 'clustrix-k8s-schema-'));
let fake: FakeKubeApiServer;
let api: KubeApi;

beforeAll(async () => void ({ fake, api } = await startFakeApi(NS, root)));
afterAll(() => stopFakeApi(fake, root));

function request(options: JobOptions, count?: number): SubmitRequest {
  const jobId = '20261201-063000-0a1b2c3d';
  const jobDir = `${ROOT}/jobs/${jobId}`;
  return { jobId, jobDir, command: ['node', `${ROOT}/runner/clustrix-runner.mjs`, jobDir], options, label: 'Model.fit', ...(count !== undefined ? { count } : {}) };
}

function job(options: JobOptions, profile: Record<string, unknown> = {}, count?: number): Record<string, unknown> {
  const req = request(options, count);
  const settings = readSettings({ scheduler: 'kubernetes', ...profile });
  return renderJob({ request: req, settings, namespace: NS, names: runNames(req.jobId, req.label), payloadKind: 'secret', root: ROOT });
}

/** A Status as the client library hands it over in a failed call's body. */
function statusOf(err: unknown): { kind?: string; code?: number; reason?: string; message?: string; details?: { causes?: Array<{ field?: string }> } } {
  const body = (err as { body?: unknown }).body;
  return typeof body === 'string' ? JSON.parse(body) : (body as never);
}

describe("the scheduler's objects against the official schemas (before the client library drops unknown fields)", () => {
  test.each([
    ['a call', {}, {}, undefined],
    ['a call with every resource', { cpus: 2, memory: '3G', gpus: 1, time: '1h', env: { A: '1' }, setup: ['echo hi'] }, {}, undefined],
    [
      'a map with every profile key that reaches the pod',
      { cpus: 1, jobName: 'sweep' },
      {
        imagePullPolicy: 'Always',
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }],
        serviceAccountName: 'runner',
        imagePullSecrets: ['registry'],
        labels: { team: 'a' },
        annotations: { 'example.com/note': 'x y' },
        ttlSecondsAfterFinished: 60,
        securityContext: { runAsUser: 2000 },
        containerSecurityContext: { readOnlyRootFilesystem: true },
      },
      20,
    ],
    ['a map on a payload volume, typed GPUs', { gpus: 'a100:2' }, { payloadVolume: { claimName: 'data', localPath: '/tmp/x' }, gpuTypeLabel: 'nvidia.com/gpu.product' }, 4],
  ] as Array<[string, JobOptions, Record<string, unknown>, number | undefined]>)('the Job of %s', (_what, options, profile, count) => {
    const manifest = job(options, profile, count);
    expect(manifest).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job' });
    expect(schemaCauses(manifest)).toEqual([]);
  });

  test.each(['secret', 'configmap'] as const)('the payload %s, text and binary entries', (kind) => {
    const entries = new Map([
      ['entry.mjs', Buffer.from('console.log(1)\n')],
      ['bundle.bin', Buffer.from([0, 0xff, 0x80, 0x01])],
    ]);
    const plan = { kind, name: 'model-fit-payload', entries, bytes: 20, entry: {} } as unknown as PayloadPlan;
    const payload = renderPayloadObject(plan, NS, runLabels('20261201-063000-0a1b2c3d', readSettings({ scheduler: 'kubernetes' })));
    expect(schemaCauses(payload)).toEqual([]);
  });

  test('the checker names what it refuses, in the API server words', () => {
    const broken = job({});
    const spec = broken.spec as { parallelism: unknown; template: { spec: { restartPolicy: string; containers: Array<Record<string, unknown>> } } };
    spec.parallelism = 'two';
    spec.template.spec.containers[0]!.resources = { limits: { memory: 'lots' } };
    spec.template.spec.containers[0]!.imagePullPolicy = 'Sometimes';
    spec.template.spec.containers[0]!.comand = ['true'];
    const causes = schemaCauses(broken);
    expect(causes).toEqual(
      expect.arrayContaining([
        'spec.parallelism: Invalid value: "two": must be integer',
        expect.stringMatching(/^spec\.template\.spec\.containers\[0\]\.resources\.limits\.memory: Invalid value: "lots": must be a valid quantity/),
        expect.stringMatching(/^spec\.template\.spec\.containers\[0\]\.imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always"/),
        'spec.template.spec.containers[0].comand: Invalid value: ["true"]: unknown field "spec.template.spec.containers[0].comand"',
      ]),
    );
    expect(schemaCauses({ apiVersion: 'v1', kind: 'Status', metadata: {}, code: '410' })).toEqual(['code: Invalid value: "410": must be number']);
    expect(schemaCauses({ apiVersion: 'apps/v1', kind: 'Deployment' })).toEqual(['kind: Invalid value: "apps/v1/Deployment": the fake knows no schema for it']);
    expect(watchEventCauses({ type: 'CHANGED', object: { apiVersion: 'v1', kind: 'Status', metadata: {} } })).toEqual(['type: Unsupported value: "CHANGED"']);
    expect(fieldPath('/a~1b/items/0/x')).toBe('a/b.items[0].x');
    expect(deleteOptionsCauses({ propagationPolicy: 'Later', gracePeriod: 1, gracePeriodSeconds: '5' })).toEqual({
      decode: ['gracePeriod: Invalid value: 1: unknown field "gracePeriod"', 'gracePeriodSeconds: Invalid value: "5": must be number'],
      invalid: ['propagationPolicy: Unsupported value: "Later": supported values: "Foreground", "Background", "Orphan"'],
    });
  });
});

describe('the fake refuses what the API server refuses: 422, a Status with reason Invalid, nothing stored', () => {
  test('a create whose Job fails the schema (a quantity that is none)', async () => {
    const body = job({});
    const container = (body.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec.containers[0]!;
    container.resources = { limits: { memory: 'lots' } };
    const before = fake.list('jobs', NS).length;
    const err = await api.batch.createNamespacedJob({ namespace: NS, body: body as never }).catch((e: unknown) => e);
    const status = statusOf(err);
    expect(status).toMatchObject({ kind: 'Status', code: 422, reason: 'Invalid' });
    expect(status.message).toContain('spec.template.spec.containers[0].resources.limits.memory: Invalid value: "lots"');
    expect(status.details?.causes?.map((c) => c.field)).toContain('spec.template.spec.containers[0].resources.limits.memory');
    expect(fake.list('jobs', NS)).toHaveLength(before);
  });

  test('the same Job, unbroken, is created; the Events about it and its pod are served, and pass too', async () => {
    const created = await api.batch.createNamespacedJob({ namespace: NS, body: job({ cpus: 1 }) as never });
    expect(created.metadata?.uid).toBeTruthy();
    const reasons = async () => (await api.core.listNamespacedEvent({ namespace: NS })).items.map((e) => `${e.involvedObject.kind} ${e.reason}`);
    await until('the pod to be scheduled', () => fake.list('events', NS).some((e) => e.reason === 'Scheduled'));
    expect(await reasons()).toEqual(expect.arrayContaining(['Job SuccessfulCreate', 'Pod Scheduled']));
    await api.batch.deleteNamespacedJob({ name: created.metadata!.name!, namespace: NS, propagationPolicy: 'Background' });
    expect(fake.drift).toEqual([]);
  });

  test('a patch whose result has a field the schema does not know (patch bodies reach the wire as written)', async () => {
    await api.core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'patched' }, data: { a: '1' } } });
    const patch = [{ op: 'add', path: '/spec', value: { replicas: 1 } }];
    const err = await api.core.patchNamespacedConfigMap({ name: 'patched', namespace: NS, body: patch }).catch((e: unknown) => e);
    expect(statusOf(err)).toMatchObject({ kind: 'Status', code: 422, reason: 'Invalid', message: expect.stringContaining('unknown field "spec"') });
    expect(fake.get('configmaps', NS, 'patched')).not.toHaveProperty('spec');
  });

  test('a delete whose DeleteOptions are invalid is a 422, and deletes nothing', async () => {
    await api.core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'kept' }, data: { a: '1' } } });
    const err = await api.core.deleteNamespacedConfigMap({ name: 'kept', namespace: NS, body: { propagationPolicy: 'Sometimes' } }).catch((e: unknown) => e);
    expect(statusOf(err)).toMatchObject({ kind: 'Status', code: 422, reason: 'Invalid', message: expect.stringContaining('propagationPolicy: Unsupported value: "Sometimes"') });
    expect(fake.get('configmaps', NS, 'kept')).toBeDefined();
  });
});

describe("the fake's own answers are held to the schemas too", () => {
  test('an object that drifted is answered with a 500 and recorded, and close() throws', async () => {
    const other = await FakeKubeApiServer.start({ workDir: join(root, 'kubelet-2'), namespaces: [NS] });
    const otherApi = await connect(readSettings({ scheduler: 'kubernetes', kubeconfig: other.writeKubeconfig(join(root, 'kubeconfig-2'), NS) }));
    other.cluster.create('configmaps', NS, { metadata: { name: 'drifted' }, data: { a: '1' } });
    other.cluster.store.update('configmaps', NS, 'drifted', (o) => {
      o.data = { a: 1 }; // a number where the schema says string: what a bug in the fake would do
    });
    const err = await otherApi.core.readNamespacedConfigMap({ name: 'drifted', namespace: NS }).catch((e: unknown) => e);
    expect(statusOf(err)).toMatchObject({ code: 500, reason: 'InternalError', message: expect.stringContaining('data.a: Invalid value: 1: must be string') });
    expect(other.drift).toEqual([expect.stringContaining('ConfigMap: data.a: Invalid value: 1: must be string')]);
    await expect(other.close()).rejects.toThrow(/drifted from the official Kubernetes schemas:\nConfigMap: data\.a/);
  });

  test('every answer of a run so far passed (lists, Jobs, Statuses of deletes and errors)', async () => {
    await api.core.readNamespacedConfigMap({ name: 'missing', namespace: NS }).catch((e: unknown) => expect(statusOf(e)).toMatchObject({ code: 404, reason: 'NotFound' }));
    await api.batch.listNamespacedJob({ namespace: NS });
    await api.core.listNamespacedPod({ namespace: NS });
    expect(fake.drift).toEqual([]);
  });
});
