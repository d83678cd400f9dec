import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@clustrix/wire';

/** Write `body` as JSON to `name` inside the job folder, atomically, making its folder (0700) first. */
export async function writeJobFile(jobDir: string, name: string, body: object): Promise<void> {
  const path = join(jobDir, name);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, JSON.stringify(body));
}
