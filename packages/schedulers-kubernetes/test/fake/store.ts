/**
 * FAKE (test only). The fake API server's etcd: objects by resource, namespace and name, one global
 * resourceVersion counter, and a bounded history of events for watches that start from a
 * resourceVersion (older than the history: 410 Gone, as a compacted etcd answers).
 */
import { randomUUID } from 'node:crypto';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
    generateName?: string;
    finalizers?: string[];
  };
  [key: string]: unknown;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  resource: string;
  type: EventType;
  object: KubeObject;
  rv: number;
}

export type StoreListener = (event: StoreEvent) => void;

const HISTORY = 20_000;

/** Deep copy (objects handed out are never the stored ones). */
export function clone<T>(v: T): T {
  return structuredClone(v);
}

export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class ObjectStore {
  private rv = 1000;
  private compactedAt = 0;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();

  get resourceVersion(): string {
    return String(this.rv);
  }

  private bucket(resource: string, namespace: string): Map<string, KubeObject> {
    const key = `${resource}/${namespace}`;
    let b = this.objects.get(key);
    if (!b) this.objects.set(key, (b = new Map()));
    return b;
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(resource: string, type: EventType, object: KubeObject): void {
    const event: StoreEvent = { resource, type, object: clone(object), rv: this.rv };
    this.history.push(event);
    if (this.history.length > HISTORY) this.history.shift();
    for (const l of [...this.listeners]) l(event);
  }

  get(resource: string, namespace: string, name: string): KubeObject | undefined {
    const o = this.bucket(resource, namespace).get(name);
    return o && clone(o);
  }

  list(resource: string, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const [key, b] of this.objects) {
      if (!key.startsWith(`${resource}/`)) continue;
      if (namespace !== undefined && key !== `${resource}/${namespace}`) continue;
      for (const o of b.values()) out.push(clone(o));
    }
    return out.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  /**
   * Create (the caller has validated); fills uid, resourceVersion, creationTimestamp, generation.
   * `prepare` runs once the uid is known, before the object is stored (the API server's defaulting).
   */
  create(resource: string, object: KubeObject, prepare?: (o: KubeObject) => void): KubeObject {
    const ns = object.metadata.namespace ?? '';
    const b = this.bucket(resource, ns);
    if (b.has(object.metadata.name)) throw Object.assign(new Error('exists'), { code: 409 });
    this.rv++;
    const stored = clone(object);
    stored.metadata.uid = randomUUID();
    stored.metadata.resourceVersion = String(this.rv);
    stored.metadata.creationTimestamp = now();
    stored.metadata.generation = 1;
    prepare?.(stored);
    b.set(stored.metadata.name, stored);
    this.emit(resource, 'ADDED', stored);
    return clone(stored);
  }

  /** Change an object in place; returns the new version, or undefined when it does not exist. */
  update(resource: string, namespace: string, name: string, mutate: (o: KubeObject) => void): KubeObject | undefined {
    const b = this.bucket(resource, namespace);
    const cur = b.get(name);
    if (!cur) return undefined;
    const next = clone(cur);
    mutate(next);
    if (JSON.stringify(next) === JSON.stringify(cur)) return clone(cur);
    this.rv++;
    next.metadata.resourceVersion = String(this.rv);
    b.set(name, next);
    this.emit(resource, 'MODIFIED', next);
    return clone(next);
  }

  /** Remove an object now; returns it, or undefined when it did not exist. */
  remove(resource: string, namespace: string, name: string): KubeObject | undefined {
    const b = this.bucket(resource, namespace);
    const cur = b.get(name);
    if (!cur) return undefined;
    b.delete(name);
    this.rv++;
    cur.metadata.resourceVersion = String(this.rv);
    this.emit(resource, 'DELETED', cur);
    return clone(cur);
  }

  /** Events after `fromRv` (exclusive), or 'gone' when the history no longer reaches back that far. */
  since(fromRv: number): StoreEvent[] | 'gone' {
    const oldest = this.history[0]?.rv ?? this.rv + 1;
    if (fromRv < Math.min(oldest - 1, this.compactedAt)) return 'gone';
    return this.history.filter((e) => e.rv > fromRv);
  }

  /** Forget the event history, as etcd compaction does: older watches get 410 Gone. */
  compact(): void {
    this.history.length = 0;
    this.compactedAt = this.rv;
  }
}
