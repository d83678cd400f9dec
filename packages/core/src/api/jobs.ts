/**
 * The registry's jobs, for tools (the `clustrix` CLI) and scripts: list them, ask their scheduler
 * where they are, cancel them, read their logs. Waiting for a result is `attach` (api/attach.ts).
 */
import { ClustrixError } from '../errors.js';
import { runtimeForRecord } from '../exec/run/attach-record.js';
import { endedFields, endedWord, ownerAtWork } from '../exec/run/supervisor-record.js';
import { currentRegistry } from '../registry/index.js';
import { processAlive } from '../registry/lock.js';
import { attemptIndices, currentAttempt, isActiveRecord, latestAttemptOf, type JobRecord } from '../registry/record.js';
import type { ListFilter } from '../registry/store.js';
import { isTerminal, type JobStatus } from '../scheduler/contract.js';
import { logger } from '../util/debug.js';
import { jobFiles } from '@clustrix/wire';

const log = logger('registry');

export interface ListJobsOptions extends ListFilter {
  /**
   * Ask the schedulers about jobs the registry shows as active (one status query per cluster) and
   * record what they say. Default false.
   */
  refresh?: boolean;
}

/** Jobs in the registry, newest first. */
export async function listJobs(options: ListJobsOptions = {}): Promise<JobRecord[]> {
  const registry = await currentRegistry();
  if (!options.refresh) return registry.list(options);
  const { state, limit, ...rest } = options;
  const all = await registry.list({ ...rest, ...(state ? {} : limit !== undefined ? { limit } : {}) });
  const refreshed = await refreshRecords(all);
  const states = state ? new Set(state) : undefined;
  const out = refreshed.filter((r) => !states || states.has(r.state));
  return limit !== undefined ? out.slice(0, limit) : out;
}

/** One job's record (a full id or a unique part of it). */
export async function getJob(id: string): Promise<JobRecord> {
  const registry = await currentRegistry();
  const record = await registry.read(await registry.resolveId(id));
  if (!record) throw new ClustrixError(`job ${id} vanished from the registry at ${registry.dir}`, { scope: 'registry' });
  return record;
}

/**
 * Bring active records up to date from their schedulers: one status query per cluster for the
 * current attempts; a record whose submitting process died before submitting becomes `lost`.
 * Unreachable clusters are logged and left as they are.
 */
export async function refreshRecords(records: JobRecord[]): Promise<JobRecord[]> {
  const registry = await currentRegistry();
  const active = records.filter((r) => isActiveRecord(r));
  const byCluster = new Map<string, JobRecord[]>();
  const byId = new Map(records.map((r) => [r.id, r]));
  for (const r of active) {
    const a = currentAttempt(r);
    if (!a?.ref) {
      if (!processAlive(r.owner.pid, r.owner.host)) {
        const w = await registry.update(r.id, (x) => {
          if (x.rev !== r.rev) return false;
          x.reason = `process ${x.owner.pid} on ${x.owner.host} died while the job was ${x.state === 'preparing' ? 'being prepared' : 'being submitted'}; it was never submitted`;
          x.state = 'lost';
          x.endedAt = new Date().toISOString();
        });
        if (w) byId.set(r.id, w);
      }
      continue;
    }
    if (r.state === 'retrying') continue; // waiting for its next attempt: nothing to ask
    const list = byCluster.get(r.cluster) ?? [];
    list.push(r);
    byCluster.set(r.cluster, list);
  }
  await Promise.all(
    [...byCluster.values()].map(async (list) => {
      try {
        const rt = await runtimeForRecord(list[0]!);
        const statuses = await rt.scheduler.status(list.map((r) => currentAttempt(r)!.ref!));
        for (const r of list) {
          const st = statuses.get(currentAttempt(r)!.jobId);
          if (!st || st.state === 'unknown' || (st.state === r.state && st.schedulerState === r.schedulerState)) continue;
          const w = await registry.update(r.id, (x) => (x.rev !== r.rev || !isActiveRecord(x) ? false : applyRefresh(x, st)));
          if (w) byId.set(r.id, w);
        }
      } catch (err) {
        log('cannot refresh the jobs of cluster %s: %s', list[0]!.cluster, (err as Error).message);
      }
    }),
  );
  return records.map((r) => byId.get(r.id) ?? r);
}

/**
 * What a status query says of an active record nobody may be watching. A terminal state ends the
 * record (with its end time and its attempt's) only when nothing can go again (no retries, no
 * checkpoints); otherwise the record stays active and says the attempt ended: the process that
 * collects it (`clustrix result`, attach) decides on retries.
 */
function applyRefresh(x: JobRecord, st: JobStatus): void | false {
  if (!isTerminal(st.state)) {
    x.state = st.state;
    if (st.schedulerState) x.schedulerState = st.schedulerState;
    if (st.reason) x.reason = st.reason;
    return;
  }
  const canGoAgain = (x.options.retries ?? 0) > 0 || (x.options.checkpoints ?? 0) > 0 || x.pending !== undefined;
  const word = endedWord(st.schedulerState);
  if (canGoAgain) {
    if (word === x.schedulerState) return false;
    if (word) x.schedulerState = word;
    x.reason = `its attempt ended (${st.state}); \`clustrix result\` collects it and decides on retries`;
    return;
  }
  const a = currentAttempt(x)!;
  Object.assign(a, endedFields(st));
  x.state = st.state;
  x.endedAt = a.endedAt!;
  if (word) x.schedulerState = word;
  if (st.reason) x.reason = st.reason;
}

export interface JobStatusReport {
  record: JobRecord;
  /** What the scheduler says of the current attempt now (undefined when it has ended or cannot be asked). */
  status?: JobStatus;
}

/** A job's record, and a fresh status of its current attempt from its scheduler. */
export async function jobStatus(id: string): Promise<JobStatusReport> {
  let record = await getJob(id);
  const a = currentAttempt(record);
  if (!a?.ref || a.state) return { record };
  const rt = await runtimeForRecord(record);
  const status = (await rt.scheduler.status([a.ref])).get(a.jobId);
  if (status && status.state !== 'unknown' && isActiveRecord(record)) record = (await refreshRecords([record]))[0] ?? record;
  return { record, ...(status ? { status } : {}) };
}

/** Cancel a job: its current attempt is killed and nothing more is submitted for it. */
export async function cancelJob(id: string): Promise<JobRecord> {
  const registry = await currentRegistry();
  const record = await getJob(id);
  const a = currentAttempt(record);
  if (a?.ref && !a.state && isActiveRecord(record)) {
    const rt = await runtimeForRecord(record);
    await rt.scheduler.cancel([a.ref]);
  }
  const written = await registry.update(record.id, (r) => {
    if (!isActiveRecord(r)) return false; // already final: a cancel changes nothing
    const now = new Date().toISOString();
    delete r.pending;
    r.state = 'cancelled';
    r.reason = 'cancelled (clustrix cancel)';
    delete r.schedulerState; // the last word seen (RUNNING) no longer says anything true
    r.endedAt = now;
    for (const x of r.attempts) if (!x.state) Object.assign(x, { state: 'cancelled', reason: 'cancelled (clustrix cancel)', endedAt: now });
  });
  return written ?? record;
}

export interface LogOptions {
  /** Array item (default: every item, each under a header). */
  item?: number;
  /** Which stream (default both: stdout, then stderr). */
  stream?: 'stdout' | 'stderr' | 'both';
  /** Keep printing what the job writes until it ends. */
  follow?: boolean;
  /** How often to look for more while following, ms. Default 1000. */
  intervalMs?: number;
  /** Where the text goes. */
  write(text: string): void;
  signal?: AbortSignal;
}

/** Print a job's stdout/stderr (of the attempt that ran each item last); with `follow`, until it ends. */
export async function jobLogs(id: string, options: LogOptions): Promise<void> {
  let record = await getJob(id);
  const rt = await runtimeForRecord(record);
  const isArray = record.items !== undefined;
  if (isArray && options.item !== undefined && (options.item < 0 || options.item >= record.items!)) {
    throw new ClustrixError(`job ${record.id} has items 0..${record.items! - 1}; there is no item ${options.item}`, { scope: 'registry' });
  }
  const streams = options.stream === 'stdout' ? ['stdout' as const] : options.stream === 'stderr' ? ['stderr' as const] : (['stdout', 'stderr'] as const);
  const items = !isArray ? [undefined] : options.item !== undefined ? [options.item] : Array.from({ length: record.items! }, (_, i) => i);
  const offsets = new Map<string, number>();
  const paths = () => {
    const latest = latestAttemptOf(record);
    const out: Array<{ label: string; path: string }> = [];
    for (const i of items) {
      const a = latest.get(i ?? 0)!;
      const task = isArray ? attemptIndices(record, a).indexOf(i!) : undefined;
      for (const s of streams) {
        const file = s === 'stdout' ? jobFiles.stdout(task) : jobFiles.stderr(task);
        out.push({ label: `${isArray ? `item ${i} ` : ''}${s}${a.n ? ` (attempt ${a.n})` : ''}`, path: `${a.jobDir}/${file}` });
      }
    }
    return out;
  };
  const headers = items.length * streams.length > 1;
  let shown: string | undefined; // the stream whose header was printed last: a header only when the stream changes
  const printNew = async () => {
    for (const { label, path } of paths()) {
      const from = offsets.get(path) ?? 0;
      const r = await rt.transport.exec(['tail', '-c', `+${from + 1}`, path]);
      if (r.code !== 0 || !r.stdout) continue;
      offsets.set(path, from + Buffer.byteLength(r.stdout));
      const header = headers && shown !== label ? `==> ${label} <==\n` : '';
      shown = label;
      options.write(headers ? `${header}${r.stdout}${r.stdout.endsWith('\n') ? '' : '\n'}` : r.stdout);
    }
  };
  await printNew();
  if (!options.follow) return;
  const interval = options.intervalMs ?? 1000;
  for (;;) {
    if (options.signal?.aborted) return;
    await new Promise((r) => setTimeout(r, interval));
    const before = record;
    record = (await currentRegistry().then((reg) => reg.read(before.id))) ?? before;
    const a = currentAttempt(record);
    // a retry that nobody will submit (its process is gone; `clustrix result` would) ends the following too
    let ended = !isActiveRecord(record) || (record.state === 'retrying' && !ownerAtWork(record));
    if (!ended && a?.ref && !a.state) {
      const st = (await rt.scheduler.status([a.ref]).catch(() => undefined))?.get(a.jobId);
      ended = st !== undefined && isTerminal(st.state) && !record.pending;
    }
    await printNew();
    if (ended) return;
  }
}
