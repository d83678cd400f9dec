import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { companionOf, writeCompanion, writeFileAtomic, type CompanionLayout } from '@clustrix/wire';

/**
 * Write `body` as JSON to `name` inside the job folder, atomically, making its folder (0700) first.
 * The bytes `companion` holds go to the companion file before: when the JSON file appears, they are there.
 */
export async function writeJobFile(jobDir: string, name: string, body: object, companion?: CompanionLayout): Promise<void> {
  const path = join(jobDir, name);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  if (companion && !companion.empty) await writeCompanion(join(jobDir, companionOf(name)), companion);
  await writeFileAtomic(path, JSON.stringify(body));
}
