/**
 * The class registry: which classes may cross the wire as instances (superjson class ids), and which
 * module defines each. It lives on `globalThis` under a registered symbol, so the full core (on the
 * caller), the small runtime bundled into user code, and the runner all see one registry.
 */
import { ClustrixError } from './errors.js';

export type AnyClass = abstract new (...args: never[]) => unknown;

export interface RegisteredClass {
  id: string;
  cls: AnyClass;
  /** URL or path of the module that defines the class, when known. */
  module?: string;
}

interface RegistryState {
  byId: Map<string, RegisteredClass>;
  byClass: Map<AnyClass, RegisteredClass>;
  /** ids claimed by two different classes: serializing either is an error until one gets its own id. */
  ambiguous: Map<string, AnyClass[]>;
  version: number;
}

const KEY = Symbol.for('clustrix.registry');

function state(): RegistryState {
  const g = globalThis as Record<symbol, RegistryState | undefined>;
  return (g[KEY] ??= { byId: new Map(), byClass: new Map(), ambiguous: new Map(), version: 0 });
}

export interface RegisterOptions {
  /** The id the class travels under (default: its name). Give one when two classes share a name. */
  id?: string;
  /** The module that defines the class: pass `import.meta.url`. Needed for a subclass that inherits a `@cluster` method. */
  module?: string;
}

/**
 * Let instances of `cls` cross the wire (as arguments, instance state or results). Classes with
 * `@cluster` methods register themselves; call this for the other classes your methods exchange.
 */
export function register<C extends AnyClass>(cls: C, options: RegisterOptions = {}): C {
  if (typeof cls !== 'function') {
    throw new ClustrixError(`register() expects a class, got ${typeof cls}`, { scope: 'serialize' });
  }
  const s = state();
  const id = options.id ?? cls.name;
  if (!id) {
    throw new ClustrixError('register() got an anonymous class; pass an id: register(cls, { id: "MyClass" })', {
      scope: 'serialize',
    });
  }
  const existing = s.byClass.get(cls);
  if (existing) {
    if (options.module && !existing.module) existing.module = options.module;
    if (options.id && existing.id !== options.id) {
      s.byId.delete(existing.id);
      existing.id = options.id;
      s.byId.set(options.id, existing);
      s.version++;
    }
    return cls;
  }
  const clash = s.byId.get(id);
  const entry: RegisteredClass = { id, cls, ...(options.module ? { module: options.module } : {}) };
  if (clash && clash.cls !== cls) {
    s.ambiguous.set(id, [...(s.ambiguous.get(id) ?? [clash.cls]), cls]);
  }
  s.byId.set(id, entry);
  s.byClass.set(cls, entry);
  s.version++;
  return cls;
}

export function registeredClass(cls: AnyClass): RegisteredClass | undefined {
  return state().byClass.get(cls);
}

export function registeredById(id: string): RegisteredClass | undefined {
  return state().byId.get(id);
}

export function ambiguousIds(): ReadonlyMap<string, AnyClass[]> {
  return state().ambiguous;
}

export function registryVersion(): number {
  return state().version;
}

export function allRegistered(): RegisteredClass[] {
  return [...state().byClass.values()];
}
