/** What `@cluster` records on a class through `context.metadata` (TC39 decorator metadata). */
import './polyfill.js';

export const CLUSTRIX_METADATA = Symbol.for('clustrix.metadata');

export interface DefinitionSite {
  /** Absolute path of the module that defines the class. */
  file: string;
  line?: number;
}

export interface MethodRecord {
  static: boolean;
  options: Record<string, unknown>;
}

export interface ClassRecord {
  site?: DefinitionSite;
  methods: Record<string, MethodRecord>;
}

/** The record a class carries itself (not one inherited from a parent class), if any. */
export function ownClassRecord(cls: unknown): ClassRecord | undefined {
  if (typeof cls !== 'function' || !Object.prototype.hasOwnProperty.call(cls, Symbol.metadata)) return undefined;
  const meta = (cls as unknown as Record<symbol, Record<symbol, unknown> | undefined>)[Symbol.metadata];
  if (!meta || !Object.prototype.hasOwnProperty.call(meta, CLUSTRIX_METADATA)) return undefined;
  return meta[CLUSTRIX_METADATA] as ClassRecord;
}

/** The record for a class, walking up to the parent that defines `@cluster` methods. */
export function classRecord(cls: unknown): ClassRecord | undefined {
  if (typeof cls !== 'function') return undefined;
  const meta = (cls as unknown as Record<symbol, Record<symbol, unknown> | undefined>)[Symbol.metadata];
  return meta?.[CLUSTRIX_METADATA] as ClassRecord | undefined;
}
