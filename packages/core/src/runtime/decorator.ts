/**
 * The shape of `@cluster`, shared by the full core and the small runtime bundled into shipped code.
 * It checks where it is used (async methods only), records the method's options on the class
 * through `context.metadata`, registers the class for serialization, and wraps the method: inside a
 * job the original runs directly; elsewhere the call goes to `dispatch`.
 */
import '../polyfill.js';
import { DefinitionError } from '../errors.js';
import { isInJob } from '@clustrix/wire';
import { CLUSTRIX_METADATA, type ClassRecord, type DefinitionSite } from '@clustrix/wire';
import { register, type AnyClass } from '@clustrix/wire';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AsyncMethod<This, Args extends any[], R> = (this: This, ...args: Args) => Promise<R>;

export interface CallInfo {
  /** `this` of the call: the instance, or the class for a static method. */
  self: unknown;
  /** The class the call runs on (the instance's constructor, or `self` for static). */
  cls: AnyClass;
  method: string;
  isStatic: boolean;
  args: unknown[];
  /** Options given to the decorator. */
  options: Record<string, unknown>;
  /** Where the decorated method's class is defined. */
  site?: DefinitionSite;
}

export interface DecoratorHooks {
  dispatch(call: CallInfo): Promise<unknown>;
  /** Validates decorator options at class definition; throws with `where` in the message. */
  validateOptions?(options: Record<string, unknown>, where: string): void;
  /** Finds the module that is applying the decorator. */
  site?(): DefinitionSite | undefined;
}

const KIND_WORDS: Record<string, string> = {
  field: 'a field',
  getter: 'a getter',
  setter: 'a setter',
  accessor: 'an auto-accessor',
  class: 'a class',
};

function describeSite(site: DefinitionSite | undefined): string {
  if (!site) return '';
  return ` (${site.file}${site.line ? `:${site.line}` : ''})`;
}

function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === 'AsyncFunction';
}

/** Refuses a decorator placement a cluster node cannot call: not a method, private or symbol-named, not async. */
function checkPlacement(value: unknown, context: DecoratorContext, name: string, where: string): asserts context is ClassMethodDecoratorContext {
  if (context.kind !== 'method') {
    throw new DefinitionError(
      `@cluster is on ${KIND_WORDS[context.kind] ?? context.kind} ${where}; it runs async methods only. ` +
        `Put it on an async method, e.g. \`@cluster() async ${name || 'run'}(...) {...}\``,
    );
  }
  if (context.private || typeof context.name === 'symbol') {
    throw new DefinitionError(
      `@cluster is on the ${context.private ? 'private' : 'symbol-named'} method ${where}; a cluster node calls the method by name, so give it a public string name`,
    );
  }
  if (!isAsyncFunction(value)) {
    const gen = (value as { [Symbol.toStringTag]?: string })?.[Symbol.toStringTag];
    throw new DefinitionError(
      `@cluster is on ${gen === 'AsyncGeneratorFunction' ? 'the async generator' : 'the non-async method'} ${where}; ` +
        `a remote call is awaited, so declare it \`async ${name}(...)\` returning the result`,
    );
  }
}

/** Records the method's options on the class (context.metadata) and registers the class when it is initialised. */
function recordMethod(context: ClassMethodDecoratorContext, name: string, options: Record<string, unknown>, site: DefinitionSite | undefined): void {
  const metadata = context.metadata as Record<symbol, unknown> | undefined;
  if (metadata) {
    if (!Object.prototype.hasOwnProperty.call(metadata, CLUSTRIX_METADATA)) {
      metadata[CLUSTRIX_METADATA] = { ...(site ? { site } : {}), methods: {} } satisfies ClassRecord;
    }
    (metadata[CLUSTRIX_METADATA] as ClassRecord).methods[name] = { static: context.static, options };
  }
  const isStatic = context.static;
  context.addInitializer(function (this: unknown) {
    const cls = (isStatic ? this : (this as object).constructor) as AnyClass;
    // A subclass constructed here inherits the method but may live in another module: no module for it.
    const own = Object.prototype.hasOwnProperty.call(cls, Symbol.metadata) && (cls as unknown as Record<symbol, unknown>)[Symbol.metadata] === metadata;
    register(cls, site && own ? { module: site.file } : {});
  });
}

export function makeClusterDecorator<O extends object = Record<string, unknown>>(hooks: DecoratorHooks) {
  function decorate(value: unknown, context: DecoratorContext, options: Record<string, unknown>): unknown {
    const site = hooks.site?.();
    const name = typeof context.name === 'symbol' ? context.name.toString() : String(context.name ?? '');
    const where = `${name ? `'${name}'` : 'a class'}${describeSite(site)}`;
    checkPlacement(value, context, name, where);
    hooks.validateOptions?.(options, `@cluster options on ${where}`);
    recordMethod(context, name, options, site);
    const original = value as (...a: unknown[]) => Promise<unknown>;
    const isStatic = context.static;
    const wrapped = function (this: unknown, ...args: unknown[]): Promise<unknown> {
      if (isInJob()) return original.apply(this, args);
      try {
        const cls = (isStatic ? this : (this as object)?.constructor) as AnyClass;
        return hooks.dispatch({ self: this, cls, method: name, isStatic, args, options, ...(site ? { site } : {}) });
      } catch (err) {
        return Promise.reject(err);
      }
    };
    Object.defineProperty(wrapped, 'name', { value: name, configurable: true });
    return wrapped;
  }

  /**
   * Typed on the whole method type `M` (not on its parameters and result) so that generic methods
   * (`async echo<T>(x: T): Promise<T>`) keep their signature: inferring `Args`/`R` from a generic
   * method fails (TS1270) and would add that error next to every real one.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Decorator = <This, M extends (this: This, ...args: any) => Promise<unknown>>(
    value: M,
    context: ClassMethodDecoratorContext<This, M>,
  ) => M;

  function cluster(options?: O): Decorator;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  function cluster<This, M extends (this: This, ...args: any) => Promise<unknown>>(
    value: M,
    context: ClassMethodDecoratorContext<This, M>,
  ): M;
  function cluster(a?: unknown, b?: unknown): unknown {
    if (typeof b === 'object' && b !== null && 'kind' in b) return decorate(a, b as DecoratorContext, {});
    const options = (a ?? {}) as Record<string, unknown>;
    return (value: unknown, context: DecoratorContext) => decorate(value, context, options);
  }
  return cluster;
}
