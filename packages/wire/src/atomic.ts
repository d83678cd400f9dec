import { rename, writeFile } from 'node:fs/promises';

/** Write a file so that a reader sees either nothing or all of it: temp name, then rename. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}
