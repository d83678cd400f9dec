/**
 * A follow-up attempt of a job: the items that go again (retried, or resumed from a checkpoint), in
 * a job folder of their own (`<jobId>-r<n>`), built on the cluster from the folders of the earlier
 * attempts — so a process that only has the registry record (not the original call) can make it.
 * Its items are renumbered from 0; `indices` maps them back to the original items.
 */
import { ClustrixError } from '../../errors.js';
import type { JobRef } from '../../scheduler/contract.js';
import { argvToShell } from '../../transport/shell-quote.js';
import { attemptIndices, latestAttemptOf, redactOptions, type AttemptRecord, type JobRecord } from '../../registry/record.js';
import { companionOf, hasBlobs, jobFiles, type ItemFile, type JobFile } from '@clustrix/wire';
import { copyCompanions } from '../files/companions.js';
import type { SerializedValue } from '@clustrix/wire';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';

export interface NextAttemptPlan {
  retry: number[];
  /** Items resumed, with the state their checkpoint() returned. */
  resume: Map<number, SerializedValue>;
}

export function attemptJobId(jobId: string, n: number): string {
  return `${jobId}-r${n}`;
}

async function readJson<T>(rt: ClusterRuntime, paths: string[]): Promise<T[]> {
  const files = await rt.transport.readFiles(paths);
  return paths.map((p) => {
    const buf = files.get(p);
    if (!buf) {
      throw new ClustrixError(`cannot read ${rt.transport.host}:${p}, which a retry needs; was the job folder removed (\`cleanup\`, \`clustrix clean\`)?`, {
        scope: rt.scheduler.name,
      });
    }
    return JSON.parse(buf.toString('utf8')) as T;
  });
}

/** Copy the staged `inputs` of the first attempt into the new folder (one remote command). */
async function copyInputs(rt: ClusterRuntime, from: string, to: string, rels: readonly string[]): Promise<void> {
  if (!rels.length) return;
  const script = 'src=$1; dst=$2; shift 2; cd "$src" || exit 1; for r in "$@"; do mkdir -p "$dst/$(dirname "$r")" && cp -R -p "$r" "$dst/$r" || exit 1; done';
  const out = await rt.transport.exec(['sh', '-c', script, 'clustrix-copy-inputs', from, to, ...rels]);
  if (out.code !== 0) {
    throw new ClustrixError(`cannot copy the inputs into the retry folder ${to} (${argvToShell(['cp', '-R', ...rels])}): ${out.stderr.trim()}`, {
      scope: rt.scheduler.name,
    });
  }
}

/** Build the folder of attempt `n` for `plan` and submit it. Returns the attempt as the registry keeps it. */
export async function submitNextAttempt(rt: ClusterRuntime, record: JobRecord, plan: NextAttemptPlan, command: readonly string[]): Promise<AttemptRecord> {
  const n = record.attempts.length;
  const first = record.attempts[0]!;
  const last = record.attempts[n - 1]!;
  const jobId = attemptJobId(record.id, n);
  const isArray = record.items !== undefined;
  const indices = [...new Set([...plan.retry, ...plan.resume.keys()])].sort((a, b) => a - b);
  if (!indices.length) throw new Error('submitNextAttempt: nothing to submit');
  const files: Record<string, string> = {};
  /** Companion files the new folder takes over: [from (absolute), to (relative to the new folder)]. */
  const companions: [string, string][] = [];
  if (isArray) {
    const latest = latestAttemptOf(record);
    const [job] = await readJson<JobFile>(rt, [`${first.jobDir}/${jobFiles.job}`]);
    const itemPaths = indices.map((i) => {
      const a = latest.get(i)!;
      return `${a.jobDir}/${jobFiles.item(attemptIndices(record, a).indexOf(i))}`;
    });
    const items = await readJson<ItemFile>(rt, itemPaths);
    items.forEach((item, t) => {
      const resume = plan.resume.get(indices[t]!);
      files[jobFiles.item(t)] = JSON.stringify({ ...item, ...(resume ? { resume } : {}) });
      if (hasBlobs(item.args, item.instance)) companions.push([companionOf(itemPaths[t]!), companionOf(jobFiles.item(t))]);
    });
    for (const d of jobFiles.arrayDirs) files[`${d}/`] = '';
    files[jobFiles.job] = JSON.stringify(nextJobFile(job!, jobId, n, record.id, { items: indices.length }));
    if (hasBlobs(job!.instance)) companions.push([`${first.jobDir}/${companionOf(jobFiles.job)}`, companionOf(jobFiles.job)]);
  } else {
    const [job] = await readJson<JobFile>(rt, [`${last.jobDir}/${jobFiles.job}`]);
    const resume = plan.resume.get(0);
    files[jobFiles.job] = JSON.stringify(nextJobFile(job!, jobId, n, record.id, resume ? { resume } : {}));
    if (hasBlobs(job!.args, job!.instance)) companions.push([`${last.jobDir}/${companionOf(jobFiles.job)}`, companionOf(jobFiles.job)]);
  }
  const jobDir = await rt.stager.writeJob(jobId, files);
  await copyCompanions(rt.transport, jobDir, companions);
  await copyInputs(rt, first.jobDir, jobDir, record.inputs ?? []);
  const ref: JobRef = await rt.scheduler.submit({
    jobId,
    jobDir,
    command: [...command, jobDir],
    ...(isArray ? { count: indices.length } : {}),
    ...(record.concurrency ? { concurrency: record.concurrency } : {}),
    options: redactOptions(record.options),
    label: `${record.target.className}.${record.target.method}`,
  });
  return {
    n,
    jobId,
    jobDir,
    ref,
    ...(isArray ? { indices } : {}),
    ...(plan.retry.length ? { retried: [...plan.retry].sort((a, b) => a - b) } : {}),
    ...(plan.resume.size ? { resumed: [...plan.resume.keys()].sort((a, b) => a - b) } : {}),
    submittedAt: new Date().toISOString(),
  };
}

/** A retried single job keeps the state it was resumed with; a new checkpoint replaces it. */
function nextJobFile(base: JobFile, jobId: string, attempt: number, parentJobId: string, over: Partial<JobFile>): JobFile {
  return { ...base, ...over, jobId, attempt, parentJobId, submittedAt: new Date().toISOString() };
}
