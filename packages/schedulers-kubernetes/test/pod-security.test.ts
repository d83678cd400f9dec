// Every pod spec the scheduler produces meets the "restricted" Pod Security Standard
// (https://kubernetes.io/docs/concepts/security/pod-security-standards/, Baseline + Restricted
// controls), checked by `restrictedViolations` below: the standard's rules written out as code.
// The checker itself is tested on specs that break each rule, so it cannot pass by accident.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { map, submit } from '@clustrix/core';
import type { SubmitRequest } from '@clustrix/core/scheduler';
import { readSettings, renderJob, runNames } from '@clustrix/schedulers-kubernetes';
import { Lab } from './fixtures/jobs.js';
import { NAMESPACE, startFake, stopFake, type FakeCluster } from './helpers.js';

type Obj = Record<string, unknown>;
interface Container extends Obj {
  name?: string;
  securityContext?: Obj;
  ports?: Array<{ hostPort?: number }>;
}

/** Baseline: capabilities a container may add. Restricted allows only NET_BIND_SERVICE. */
const RESTRICTED_ADD = new Set(['NET_BIND_SERVICE']);
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

/** Violations of the Baseline and Restricted controls by one pod spec (empty: the pod is admitted under `restricted`). */
export function restrictedViolations(pod: Obj): string[] {
  const out: string[] = [];
  const podSc = (pod.securityContext ?? {}) as Obj;
  const containers = [
    ...((pod.containers ?? []) as Container[]).map((c) => ['containers', c] as const),
    ...((pod.initContainers ?? []) as Container[]).map((c) => ['initContainers', c] as const),
    ...((pod.ephemeralContainers ?? []) as Container[]).map((c) => ['ephemeralContainers', c] as const),
  ];
  // Baseline: host namespaces, HostProcess, sysctls, SELinux, volumes.
  for (const k of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (pod[k] === true) out.push(`${k} must be unset or false`);
  if ((podSc.windowsOptions as Obj | undefined)?.hostProcess === true) out.push('securityContext.windowsOptions.hostProcess must not be true');
  for (const s of (podSc.sysctls ?? []) as Array<{ name: string }>) if (!SAFE_SYSCTLS.has(s.name)) out.push(`sysctl ${s.name} is not in the safe set`);
  // Restricted: volume types.
  for (const v of (pod.volumes ?? []) as Obj[]) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (!type || !RESTRICTED_VOLUMES.has(type)) out.push(`volume ${String(v.name)}: type ${type ?? '(none)'} is not allowed (hostPath and the like)`);
  }
  // Restricted: runAsNonRoot (pod, or every container), runAsUser not 0, seccomp RuntimeDefault/Localhost.
  const seccompOk = (sc: Obj | undefined) => ['RuntimeDefault', 'Localhost'].includes(String((sc?.seccompProfile as Obj | undefined)?.type));
  const selinux = (where: string, sc: Obj | undefined) => {
    const o = sc?.seLinuxOptions as Obj | undefined;
    if (!o) return;
    if (!SELINUX_TYPES.has(String(o.type ?? ''))) out.push(`${where}.seLinuxOptions.type ${String(o.type)} is not allowed`);
    if (o.user !== undefined || o.role !== undefined) out.push(`${where}.seLinuxOptions user/role must be unset`);
  };
  if (podSc.runAsUser === 0) out.push('securityContext.runAsUser must not be 0');
  if (podSc.seccompProfile !== undefined && !seccompOk(podSc)) out.push('securityContext.seccompProfile.type must be RuntimeDefault or Localhost');
  selinux('securityContext', podSc);
  for (const [kind, c] of containers) {
    const where = `${kind}[${c.name ?? '?'}].securityContext`;
    const sc = c.securityContext;
    if (sc?.privileged === true) out.push(`${where}.privileged must be unset or false`);
    if ((sc?.windowsOptions as Obj | undefined)?.hostProcess === true) out.push(`${where}.windowsOptions.hostProcess must not be true`);
    if (sc?.procMount !== undefined && sc.procMount !== 'Default') out.push(`${where}.procMount must be Default`);
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`${kind}[${c.name ?? '?'}] must not use hostPort`);
    if (sc?.allowPrivilegeEscalation !== false) out.push(`${where}.allowPrivilegeEscalation must be false`);
    const nonRoot = sc?.runAsNonRoot ?? podSc.runAsNonRoot;
    if (nonRoot !== true) out.push(`${where}.runAsNonRoot must be true (here or on the pod)`);
    if (sc?.runAsUser === 0) out.push(`${where}.runAsUser must not be 0`);
    if (sc?.seccompProfile !== undefined ? !seccompOk(sc) : !seccompOk(podSc)) out.push(`${where}.seccompProfile.type must be RuntimeDefault or Localhost (here or on the pod)`);
    const caps = (sc?.capabilities ?? {}) as { drop?: string[]; add?: string[] };
    if (!caps.drop?.includes('ALL')) out.push(`${where}.capabilities.drop must include ALL`);
    for (const a of caps.add ?? []) if (!RESTRICTED_ADD.has(a)) out.push(`${where}.capabilities.add ${a} is not allowed (only NET_BIND_SERVICE)`);
    selinux(where, sc);
  }
  return out;
}

const ROOT = '/clustrix/.clustrix';
function request(over: Partial<SubmitRequest> = {}): SubmitRequest {
  const jobDir = `${ROOT}/jobs/20261201-030000-0a1b2c3d`;
  return { jobId: '20261201-030000-0a1b2c3d', jobDir, command: ['node', `${ROOT}/runner/0.1.0-ab/clustrix-runner.mjs`, jobDir], options: {}, ...over };
}
function podOf(req: SubmitRequest, profile: Obj = {}, payloadKind: 'secret' | 'configmap' = 'secret'): Obj {
  const settings = readSettings({ scheduler: 'kubernetes', ...profile });
  const job = renderJob({ request: req, settings, namespace: 'ns', names: runNames(req.jobId, req.label), payloadKind, root: ROOT }) as { spec: { template: { spec: Obj } } };
  return job.spec.template.spec;
}

describe('the checker encodes the standard (each rule can fail)', () => {
  const good = podOf(request());
  const bad = (mutate: (p: Obj & { containers: Container[] }) => void): string[] => {
    const p = structuredClone(good) as Obj & { containers: Container[] };
    mutate(p);
    return restrictedViolations(p);
  };
  test.each([
    ['hostNetwork', (p: Obj & { containers: Container[] }) => (p.hostNetwork = true), /hostNetwork/],
    ['a hostPath volume', (p: Obj & { containers: Container[] }) => (p.volumes as Obj[]).push({ name: 'h', hostPath: { path: '/' } }), /type hostPath/],
    ['privilege escalation', (p: Obj & { containers: Container[] }) => delete p.containers[0]!.securityContext!.allowPrivilegeEscalation, /allowPrivilegeEscalation/],
    ['root', (p: Obj & { containers: Container[] }) => ((p.securityContext as Obj).runAsUser = 0), /runAsUser must not be 0/],
    ['runAsNonRoot nowhere', (p: Obj & { containers: Container[] }) => (delete (p.securityContext as Obj).runAsNonRoot, delete p.containers[0]!.securityContext!.runAsNonRoot), /runAsNonRoot/],
    ['Unconfined seccomp', (p: Obj & { containers: Container[] }) => (p.containers[0]!.securityContext!.seccompProfile = { type: 'Unconfined' }), /seccompProfile/],
    ['capabilities kept', (p: Obj & { containers: Container[] }) => (p.containers[0]!.securityContext!.capabilities = { add: ['SYS_ADMIN'] }), /drop must include ALL[\s\S]*SYS_ADMIN/],
    ['privileged', (p: Obj & { containers: Container[] }) => (p.containers[0]!.securityContext!.privileged = true), /privileged/],
    ['an unsafe sysctl', (p: Obj & { containers: Container[] }) => ((p.securityContext as Obj).sysctls = [{ name: 'kernel.msgmax', value: '1' }]), /kernel\.msgmax/],
  ])('%s is a violation', (_name, mutate, message) => {
    expect(bad(mutate).join('\n')).toMatch(message);
  });
});

describe('every pod spec the scheduler renders is restricted', () => {
  test.each<[string, SubmitRequest, Obj, 'secret' | 'configmap']>([
    ['a call', request({ label: 'Model.fit', options: { cpus: 2, memory: '1G', time: 60 } }), {}, 'secret'],
    ['a map', request({ count: 10, concurrency: 2, options: { time: '5m' } }), {}, 'secret'],
    ['a ConfigMap payload', request(), { payloadKind: 'configmap' }, 'configmap'],
    ['a payload volume', request(), { payloadVolume: { claimName: 'data', localPath: '/mnt/data', subPath: 'x' } }, 'secret'],
    ['GPUs, placement, identity', request({ options: { gpus: 'a100:1' } }), { gpuTypeLabel: 'gpu', nodeSelector: { pool: 'b' }, tolerations: [{ key: 'gpu', operator: 'Exists' }], serviceAccountName: 'sa', imagePullSecrets: ['r'] }, 'secret'],
    ['a securityContext of the profile (uid, fsGroup) merged over the defaults', request(), { securityContext: { runAsUser: 2000, fsGroup: 2000 } }, 'secret'],
  ])('%s', (_name, req, profile, kind) => {
    const pod = podOf(req, profile, kind);
    expect(restrictedViolations(pod)).toEqual([]);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(typeof (pod.securityContext as Obj).runAsUser).toBe('number');
  });

  test('the defaults: numeric uid 1000 (the node images\' user), escalation off, ALL capabilities dropped', () => {
    const pod = podOf(request()) as { securityContext: Obj; containers: Container[] };
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0]!.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  });
});

describe('the pods created on the fake API server are restricted', () => {
  let c: FakeCluster;
  beforeAll(async () => {
    c = await startFake();
  });
  afterAll(() => stopFake(c));

  test('a call and a map: every Job template and every pod passes the checker', async () => {
    const lab = new Lab('pss');
    const h = await submit(() => lab.describe(4));
    await expect(h.result()).resolves.toMatchObject({ x: 4 });
    await expect(map([1, 2, 3], (i) => lab.square(i), { concurrency: 3 })).resolves.toEqual([1, 4, 9]);
    const jobs = c.fake.list('jobs', NAMESPACE);
    const pods = c.fake.list('pods', NAMESPACE);
    expect(jobs).toHaveLength(2);
    expect(pods).toHaveLength(4);
    for (const j of jobs) expect(restrictedViolations((j.spec as { template: { spec: Obj } }).template.spec)).toEqual([]);
    for (const p of pods) expect(restrictedViolations(p.spec as Obj)).toEqual([]);
  });
});
