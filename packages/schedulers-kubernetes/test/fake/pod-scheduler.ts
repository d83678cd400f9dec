/**
 * FAKE (test only). kube-scheduler for a one-node cluster: binds a pod to the fake node when its
 * nodeSelector matches, its PVCs exist and its requests fit what the node has left; otherwise sets
 * PodScheduled=False, reason Unschedulable, with the scheduler's usual message. Unschedulable pods
 * are tried again whenever a pod ends or goes.
 */
import type { FakeCluster } from './cluster.js';
import { parseQuantity } from './quantity.js';
import { now, type KubeObject, type StoreEvent } from './store.js';

export interface FakeNode {
  name: string;
  labels: Record<string, string>;
  /** Allocatable resources: cpu, memory and extended ones (nvidia.com/gpu). */
  allocatable: Record<string, string>;
}

interface PodSpecLike {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  containers: Array<{ resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }>;
  volumes?: Array<{ persistentVolumeClaim?: { claimName: string } }>;
}

function requests(pod: KubeObject): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of (pod.spec as PodSpecLike).containers) {
    const r = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
    for (const [k, v] of Object.entries(r)) out.set(k, (out.get(k) ?? 0) + parseQuantity(v));
  }
  return out;
}

function ended(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export class FakePodScheduler {
  private queued = false;

  constructor(
    private readonly cluster: FakeCluster,
    readonly node: FakeNode,
  ) {
    cluster.store.subscribe((e) => this.onEvent(e));
  }

  private onEvent(e: StoreEvent): void {
    if (e.resource !== 'pods' && e.resource !== 'persistentvolumeclaims') return;
    if (this.queued) return;
    this.queued = true;
    setImmediate(() => {
      this.queued = false;
      this.scheduleAll();
    });
  }

  private scheduleAll(): void {
    const pods = this.cluster.store.list('pods');
    const used = new Map<string, number>();
    for (const p of pods) {
      if ((p.spec as PodSpecLike).nodeName && !ended(p)) for (const [k, v] of requests(p)) used.set(k, (used.get(k) ?? 0) + v);
    }
    const waiting = pods
      .filter((p) => !(p.spec as PodSpecLike).nodeName && !ended(p) && !p.metadata.deletionTimestamp)
      .sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)));
    for (const pod of waiting) {
      const reasons = this.misfits(pod, used);
      const ns = pod.metadata.namespace!;
      if (reasons.length === 0) {
        for (const [k, v] of requests(pod)) used.set(k, (used.get(k) ?? 0) + v);
        const bound = this.cluster.store.update('pods', ns, pod.metadata.name, (o) => {
          (o.spec as PodSpecLike).nodeName = this.node.name;
          this.setScheduled(o, { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now() });
        });
        if (bound) this.cluster.recordEvent('pods', bound, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${pod.metadata.name} to ${this.node.name}`, 'default-scheduler');
      } else {
        const message = `0/1 nodes are available: ${reasons.join(', ')}. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.`;
        const before = pod.metadata.resourceVersion;
        const marked = this.cluster.store.update('pods', ns, pod.metadata.name, (o) => {
          this.setScheduled(o, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: now() });
        });
        if (marked && marked.metadata.resourceVersion !== before) this.cluster.recordEvent('pods', marked, 'Warning', 'FailedScheduling', message, 'default-scheduler');
      }
    }
  }

  private setScheduled(pod: KubeObject, cond: Record<string, unknown>): void {
    const status = (pod.status ?? {}) as { conditions?: Array<Record<string, unknown>> };
    const old = status.conditions?.find((c) => c.type === 'PodScheduled');
    if (old && old.status === cond.status && old.message === cond.message) return;
    status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), cond];
    pod.status = status;
  }

  private misfits(pod: KubeObject, used: Map<string, number>): string[] {
    const spec = pod.spec as PodSpecLike;
    const reasons: string[] = [];
    for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) {
      if (this.node.labels[k] !== v) {
        reasons.push("1 node(s) didn't match Pod's node affinity/selector");
        break;
      }
    }
    for (const v of spec.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (claim && !this.cluster.store.get('persistentvolumeclaims', pod.metadata.namespace!, claim)) reasons.push(`persistentvolumeclaim "${claim}" not found`);
    }
    for (const [k, v] of requests(pod)) {
      const have = parseQuantity(this.node.allocatable[k] ?? '0');
      if ((used.get(k) ?? 0) + v > have) reasons.push(`1 Insufficient ${k}`);
    }
    return reasons;
  }
}
