/**
 * The job registry on disk: one JSON file per job under `<dir>/jobs/`, written whole to a temporary
 * name and renamed (a reader sees the old record or the new one, never half of one; a crash leaves
 * at most a stray temporary file). Processes never write the same file at once: new jobs have
 * unique ids, and updates of one record take its lock (locks/<id>.lock). Call keys live in
 * `<dir>/keys/<sha256>.json`, claimed with an exclusive create so that one process wins.
 */
import { readFileSync } from 'node:fs';
import { link, mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClustrixError } from '../errors.js';
import { logger } from '../util/debug.js';
import { sha256 } from '../util/hash.js';
import { writeFileAtomic } from '@clustrix/wire';
import { withFileLock } from './lock.js';
import { RECORD_VERSION, type JobRecord, type RecordState } from './record.js';

const log = logger('registry');

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export interface ListFilter {
  /** Only these states. */
  state?: readonly RecordState[];
  /** Only these clusters. */
  cluster?: readonly string[];
  /** At most this many, newest first. */
  limit?: number;
}

export class JobRegistry {
  readonly jobsDir: string;
  readonly keysDir: string;
  readonly locksDir: string;
  private ready: Promise<void> | undefined;

  constructor(readonly dir: string) {
    this.jobsDir = join(dir, 'jobs');
    this.keysDir = join(dir, 'keys');
    this.locksDir = join(dir, 'locks');
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      try {
        for (const d of [this.dir, this.jobsDir, this.keysDir, this.locksDir]) await mkdir(d, { recursive: true, mode: 0o700 });
      } catch (err) {
        this.ready = undefined;
        throw new ClustrixError(`cannot create the job registry at ${this.dir}: ${(err as Error).message}. Set \`registryDir\` (or CLUSTRIX_REGISTRY_DIR) to a writable folder`, {
          scope: 'registry',
          cause: err,
        });
      }
    })();
    return this.ready;
  }

  private file(id: string): string {
    if (!SAFE_ID.test(id)) throw new ClustrixError(`'${id}' is not a job id (expected e.g. 20261129-023012-7f3a9c1e)`, { scope: 'registry' });
    return join(this.jobsDir, `${id}.json`);
  }

  /** Write a new record; fails if a record with that id exists. */
  async create(record: JobRecord): Promise<void> {
    await this.init();
    const path = this.file(record.id);
    const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    await writeFile(tmp, JSON.stringify({ ...record, v: RECORD_VERSION }), { mode: 0o600 });
    try {
      await link(tmp, path); // atomic, and fails when the name is taken
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new ClustrixError(`job ${record.id} is already in the registry`, { scope: 'registry' });
      throw err;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    log('created %s (%s.%s on %s)', record.id, record.target.className, record.target.method, record.cluster);
  }

  async read(id: string): Promise<JobRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.file(id), 'utf8')) as JobRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * Read-modify-write one record under its lock. `fn` changes the record in place (or returns a
   * new one); returning `false` leaves the file as it is. Resolves with the record as written.
   */
  async update(id: string, fn: (record: JobRecord) => JobRecord | void | false): Promise<JobRecord | undefined> {
    await this.init();
    const path = this.file(id);
    return withFileLock(join(this.locksDir, `${id}.lock`), async () => {
      const current = await this.read(id);
      if (!current) return undefined;
      const next = fn(current);
      if (next === false) return current;
      const record = next ?? current;
      record.rev = (record.rev ?? 0) + 1;
      record.updatedAt = new Date().toISOString();
      await writeFileAtomic(path, JSON.stringify(record));
      return record;
    });
  }

  async remove(id: string): Promise<void> {
    await unlink(this.file(id)).catch(() => undefined);
  }

  /** Ids of every record, newest first (ids sort by submission time). */
  async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.jobsDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((n) => n.endsWith('.json') && !n.includes('.tmp-'))
      .map((n) => n.slice(0, -5))
      .sort()
      .reverse();
  }

  /**
   * Records, newest first, filtered; unreadable ones are skipped. Files are read synchronously, in
   * chunks with a yield to the event loop between them: for thousands of small files that is several
   * times faster than one promise per file (see bench/src/registry.ts).
   */
  async list(filter: ListFilter = {}): Promise<JobRecord[]> {
    const ids = await this.ids();
    const states = filter.state ? new Set(filter.state) : undefined;
    const clusters = filter.cluster ? new Set(filter.cluster) : undefined;
    const limit = filter.limit ?? Number.POSITIVE_INFINITY;
    const out: JobRecord[] = [];
    const CHUNK = 500;
    for (let start = 0; start < ids.length && out.length < limit; start += CHUNK) {
      if (start) await new Promise((r) => setImmediate(r));
      for (const id of ids.slice(start, start + CHUNK)) {
        let r: JobRecord;
        try {
          r = JSON.parse(readFileSync(join(this.jobsDir, `${id}.json`), 'utf8')) as JobRecord;
        } catch {
          continue; // removed meanwhile, or not a record
        }
        if (states && !states.has(r.state)) continue;
        if (clusters && !clusters.has(r.cluster)) continue;
        out.push(r);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /** A full id from a full id, or from a unique prefix or suffix (`7f3a9c1e`). */
  async resolveId(partial: string): Promise<string> {
    if (SAFE_ID.test(partial) && (await this.read(partial))) return partial;
    const ids = await this.ids();
    const hits = ids.filter((id) => id.startsWith(partial) || id.endsWith(partial));
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) {
      throw new ClustrixError(`'${partial}' matches ${hits.length} jobs (${hits.slice(0, 5).join(', ')}${hits.length > 5 ? ', ...' : ''}); give more of the id`, {
        scope: 'registry',
      });
    }
    throw new ClustrixError(`no job '${partial}' in the registry at ${this.dir}; \`clustrix jobs\` lists the jobs there (set \`registryDir\` if they are elsewhere)`, {
      scope: 'registry',
    });
  }

  // ---- call keys ----

  private keyFile(key: string): string {
    return join(this.keysDir, `${sha256(key).slice(0, 40)}.json`);
  }

  /** Claim `key` for `jobId`; false when another job holds it. */
  async claimKey(key: string, jobId: string): Promise<boolean> {
    await this.init();
    try {
      await writeFile(this.keyFile(key), JSON.stringify({ key, jobId }), { flag: 'wx', mode: 0o600 });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }

  /** The job holding `key`, if any. */
  async keyHolder(key: string): Promise<string | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.keyFile(key), 'utf8')) as { key: string; jobId: string };
      return parsed.key === key ? parsed.jobId : undefined;
    } catch {
      return undefined;
    }
  }

  /** Move `key` from `expected` to `jobId`; false when it no longer points at `expected`. */
  async replaceKey(key: string, expected: string | undefined, jobId: string): Promise<boolean> {
    await this.init();
    const file = this.keyFile(key);
    return withFileLock(`${file}.lock`, async () => {
      const holder = await this.keyHolder(key);
      if (holder !== expected) return false;
      await writeFileAtomic(file, JSON.stringify({ key, jobId }));
      return true;
    });
  }
}

const registries = new Map<string, JobRegistry>();

export function openRegistry(dir: string): JobRegistry {
  let r = registries.get(dir);
  if (!r) {
    r = new JobRegistry(dir);
    registries.set(dir, r);
  }
  return r;
}
