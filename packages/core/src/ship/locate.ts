/**
 * From a class to what a cluster node needs to find it again: the module file and the name it is
 * exported under. Errors here say what to change in the user's code.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { BundleError } from '../errors.js';
import { classRecord, ownClassRecord } from '@clustrix/wire';
import { registeredClass, type AnyClass } from '@clustrix/wire';

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

export interface ClassModule {
  file: string;
  /** True when the file is the parent class's module (the class itself never said where it lives). */
  inherited: boolean;
}

/** The file that defines `cls`: from @cluster's record, from `register(cls, { module })`, or its parent's. */
export function moduleFileOf(cls: AnyClass): ClassModule {
  const own = ownClassRecord(cls)?.site?.file;
  const registered = registeredClass(cls)?.module;
  const parent = classRecord(cls)?.site?.file;
  const raw = own ?? registered ?? parent;
  if (!raw) {
    throw new BundleError(
      `Clustrix does not know which module defines class ${cls.name || '(anonymous)'}. Add \`register(${cls.name}, { module: import.meta.url })\` in its module`,
    );
  }
  const file = raw.startsWith('file:') ? fileURLToPath(raw) : raw;
  const entry = process.argv[1];
  if (entry && real(entry) === real(file)) {
    throw new BundleError(
      `class ${cls.name} is defined in the script you are running (${file}); a cluster node would run that script's top-level code again. ` +
        `Move ${cls.name} into its own module (e.g. ${file.replace(/(\.[cm]?[jt]s)$/, '.jobs$1')}), export it, and import it from the script`,
    );
  }
  return { file, inherited: !own && !registered };
}

/** The name under which the module exports `cls`, found statically (bundle exports) or by importing the module. */
export async function exportNameOf(cls: AnyClass, where: ClassModule, bundleExports: readonly string[]): Promise<string> {
  const { file } = where;
  if (cls.name && bundleExports.includes(cls.name)) return cls.name;
  try {
    const ns = (await Promise.race([
      import(pathToFileURL(file).href),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 5000).unref()),
    ])) as Record<string, unknown>;
    for (const [name, value] of Object.entries(ns)) if (value === cls) return name;
  } catch {
    /* fall through to the error */
  }
  if (where.inherited) {
    throw new BundleError(
      `class ${cls.name} inherits its @cluster method from a class in ${file}, but is not exported there, so Clustrix cannot tell which module defines it. ` +
        `Add \`register(${cls.name}, { module: import.meta.url })\` in the module that defines ${cls.name}, and export it`,
    );
  }
  throw new BundleError(
    `class ${cls.name || '(anonymous)'} is not exported from ${file}, so a cluster node cannot import it. ` +
      `Declare it at the top level of the module as \`export class ${cls.name || 'MyJobs'} { ... }\``,
  );
}
