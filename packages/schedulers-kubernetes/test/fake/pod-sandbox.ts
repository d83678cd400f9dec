/**
 * FAKE (test only). How the fake kubelet "mounts" volumes without a container runtime: each volume
 * is a folder of the pod's sandbox on this machine (ConfigMap and Secret keys written as files with
 * their mode, emptyDir empty, a PVC is the host folder registered for it, plus `subPath`); then
 * every word of the container's command, args, workingDir and env that is a mount path or under one
 * is rewritten to the host folder. Paths written INSIDE files are not rewritten — a pod that must
 * run here may only name mounted paths on its command line and in its environment.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FakeCluster } from './cluster.js';
import type { KubeObject } from './store.js';

export interface Mount {
  mountPath: string;
  hostPath: string;
}

interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

interface VolumeSpec {
  name: string;
  configMap?: { name: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  secret?: { secretName: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  emptyDir?: Record<string, unknown>;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
}

export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; configMapKeyRef?: { name: string; key: string }; secretKeyRef?: { name: string; key: string } } }>;
  volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string; readOnly?: boolean }>;
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
}

/** A volume whose source is not there yet: the kubelet retries (a real one logs FailedMount). */
export class MountPending extends Error {}

function writeKeys(dir: string, entries: Map<string, Buffer>, items: KeyToPath[] | undefined, defaultMode: number): void {
  mkdirSync(dir, { recursive: true });
  const chosen: KeyToPath[] = items ?? [...entries.keys()].map((key) => ({ key, path: key }));
  for (const item of chosen) {
    const data = entries.get(item.key);
    if (!data) throw new MountPending(`key ${item.key} is missing`);
    const file = join(dir, item.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, data);
    chmodSync(file, item.mode ?? defaultMode);
  }
}

/** Make the pod's volumes under `sandbox`; returns the mounts of `container`. */
export function mountVolumes(cluster: FakeCluster, pod: KubeObject, container: ContainerSpec, sandbox: string): Mount[] {
  const ns = pod.metadata.namespace!;
  const volumes = ((pod.spec as { volumes?: VolumeSpec[] }).volumes ?? []);
  const hostPaths = new Map<string, string>();
  for (const v of volumes) {
    const dir = join(sandbox, 'volumes', v.name);
    if (v.configMap) {
      const cm = cluster.store.get('configmaps', ns, v.configMap.name);
      if (!cm) throw new MountPending(`configmap "${v.configMap.name}" not found`);
      const entries = new Map<string, Buffer>();
      for (const [k, s] of Object.entries((cm.data ?? {}) as Record<string, string>)) entries.set(k, Buffer.from(s, 'utf8'));
      for (const [k, s] of Object.entries((cm.binaryData ?? {}) as Record<string, string>)) entries.set(k, Buffer.from(s, 'base64'));
      writeKeys(dir, entries, v.configMap.items, v.configMap.defaultMode ?? 0o644);
    } else if (v.secret) {
      const secret = cluster.store.get('secrets', ns, v.secret.secretName);
      if (!secret) throw new MountPending(`secret "${v.secret.secretName}" not found`);
      const entries = new Map<string, Buffer>();
      for (const [k, s] of Object.entries((secret.data ?? {}) as Record<string, string>)) entries.set(k, Buffer.from(s, 'base64'));
      writeKeys(dir, entries, v.secret.items, v.secret.defaultMode ?? 0o644);
    } else if (v.persistentVolumeClaim) {
      const host = cluster.claimPaths.get(`${ns}/${v.persistentVolumeClaim.claimName}`);
      if (!host) throw new MountPending(`persistentvolumeclaim "${v.persistentVolumeClaim.claimName}" has no volume`);
      hostPaths.set(v.name, host);
      continue;
    } else {
      mkdirSync(dir, { recursive: true });
    }
    hostPaths.set(v.name, dir);
  }
  const mounts: Mount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const base = hostPaths.get(m.name);
    if (!base) throw new Error(`volumeMounts: no volume named ${m.name}`);
    const hostPath = m.subPath ? join(base, m.subPath) : base;
    mkdirSync(hostPath, { recursive: true });
    mounts.push({ mountPath: m.mountPath.replace(/\/+$/, ''), hostPath });
  }
  return mounts.sort((a, b) => b.mountPath.length - a.mountPath.length);
}

/** A word of the command line or environment, with a mounted path mapped to its host folder. */
export function rewritePath(word: string, mounts: readonly Mount[]): string {
  for (const m of mounts) {
    if (word === m.mountPath) return m.hostPath;
    if (word.startsWith(`${m.mountPath}/`)) return m.hostPath + word.slice(m.mountPath.length);
  }
  return word;
}

function fieldValue(pod: KubeObject, path: string): string {
  const m = /^metadata\.(annotations|labels)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!] ?? '';
  const spec = pod.spec as Record<string, unknown>;
  const status = (pod.status ?? {}) as Record<string, unknown>;
  const fields: Record<string, unknown> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace,
    'metadata.uid': pod.metadata.uid,
    'spec.nodeName': spec.nodeName,
    'spec.serviceAccountName': spec.serviceAccountName,
    'status.podIP': status.podIP,
    'status.hostIP': status.hostIP,
  };
  return String(fields[path] ?? '');
}

/** The container's environment as a real kubelet would resolve it (plus PATH and HOME of this machine). */
export function containerEnv(cluster: FakeCluster, pod: KubeObject, container: ContainerSpec, mounts: readonly Mount[], home: string): NodeJS.ProcessEnv {
  const ns = pod.metadata.namespace!;
  const hostname = (pod.spec as { hostname?: string }).hostname ?? pod.metadata.name;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, HOSTNAME: hostname };
  for (const e of container.env ?? []) {
    let value = e.value ?? '';
    const from = e.valueFrom;
    if (from?.fieldRef) value = fieldValue(pod, from.fieldRef.fieldPath);
    else if (from?.configMapKeyRef) value = String((cluster.store.get('configmaps', ns, from.configMapKeyRef.name)?.data as Record<string, string> | undefined)?.[from.configMapKeyRef.key] ?? '');
    else if (from?.secretKeyRef) {
      const raw = (cluster.store.get('secrets', ns, from.secretKeyRef.name)?.data as Record<string, string> | undefined)?.[from.secretKeyRef.key];
      value = raw ? Buffer.from(raw, 'base64').toString('utf8') : '';
    }
    env[e.name] = rewritePath(value, mounts);
  }
  return env;
}
