/**
 * What one pod needs, packed into one ConfigMap or Secret: the pod entry, its entry.json, and —
 * unless jobs travel on `payloadVolume` — the runner, the bundle (and its source map when it fits)
 * and the job folder. The 1 MiB object limit is checked here, before anything is created.
 */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { SubmitError, jobFiles, type SubmitRequest } from '@clustrix/core/scheduler';
import type { KubeTransport } from './transport.js';

/** Where the payload object is mounted (read-only) in the pod. */
export const PAYLOAD_MOUNT = '/clustrix-payload';
/** Kubernetes' limit on a ConfigMap's or Secret's data. */
export const OBJECT_LIMIT_BYTES = 1024 * 1024;
const STDERR_TAIL_BYTES = 8192;

export type PayloadKind = 'configmap' | 'secret';

/** entry.json: what pod/entry.mjs reads. */
export interface EntryConfig {
  nonce: string;
  /** The job folder, relative to the remote root. */
  jobDir: string;
  files: Array<{ key: string; path: string; mode: number }>;
  dirs: string[];
  indexEnv?: string;
  indexBase?: number;
  names: Record<'result' | 'error' | 'exitCode' | 'stdout' | 'stderr', string>;
  /** Frame the results into the log (false: they stay on the payload volume). */
  emit: boolean;
  stderrTailBytes: number;
  setup?: string[];
}

export interface PayloadPlan {
  kind: PayloadKind;
  name: string;
  /** Object key → content. */
  entries: Map<string, Buffer>;
  bytes: number;
  entry: EntryConfig;
}

let entrySource: Buffer | undefined;
function entryScript(): Buffer {
  entrySource ??= readFileSync(new URL('./pod/entry.mjs', import.meta.url));
  return entrySource;
}

/** Job-folder file names for a single job, or templates (`{i}`) for an array task. */
export function fileNames(array: boolean): EntryConfig['names'] {
  const i = (array ? '{i}' : undefined) as unknown as number | undefined;
  return { result: jobFiles.result(i), error: jobFiles.error(i), exitCode: jobFiles.exitCode(i), stdout: jobFiles.stdout(i), stderr: jobFiles.stderr(i) };
}

function keyFor(n: number, path: string): string {
  return `f${n}-${posix.basename(path).replace(/[^-._a-zA-Z0-9]/g, '_')}`.slice(0, 200);
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

export interface PlanInput {
  transport: KubeTransport;
  /** The remote root in the pod. */
  root: string;
  request: SubmitRequest;
  name: string;
  kind: PayloadKind;
  nonce: string;
  indexEnv: string;
  indexBase: number;
}

/** job.json with its bundle path relative to the job folder, so the folder tree can be staged anywhere. */
async function relocatableJobFile(transport: KubeTransport, jobDir: string): Promise<{ data: Buffer; bundle: string }> {
  const path = posix.join(jobDir, jobFiles.job);
  const raw = await transport.read(path);
  if (!raw) throw new SubmitError(`the job folder ${jobDir} has no ${jobFiles.job}`, { scope: 'kubernetes' });
  const job = JSON.parse(raw.toString('utf8')) as { bundle: string };
  const bundle = posix.resolve(jobDir, job.bundle);
  job.bundle = posix.relative(jobDir, bundle);
  return { data: Buffer.from(JSON.stringify(job)), bundle };
}

export async function planPayload(input: PlanInput): Promise<PayloadPlan> {
  const { transport, root, request, name, kind, nonce } = input;
  const jobDir = posix.relative(root, request.jobDir);
  if (jobDir.startsWith('..')) throw new SubmitError(`the job folder ${request.jobDir} is outside the remote root ${root}`, { scope: 'kubernetes', jobId: request.jobId });
  const entry: EntryConfig = {
    nonce,
    jobDir,
    files: [],
    dirs: [],
    ...(request.count !== undefined ? { indexEnv: input.indexEnv, indexBase: input.indexBase } : {}),
    names: fileNames(request.count !== undefined),
    emit: !transport.onVolume,
    stderrTailBytes: STDERR_TAIL_BYTES,
    ...(request.options.setup?.length ? { setup: request.options.setup } : {}),
  };
  const jobFile = await relocatableJobFile(transport, request.jobDir);
  const files: Array<{ path: string; data: Buffer; mode: number; part: 'job' | 'bundle' | 'runner' | 'map' }> = [];
  if (transport.onVolume) {
    await transport.store(posix.join(request.jobDir, jobFiles.job), jobFile.data);
  } else {
    const tree = transport.listTree(request.jobDir);
    entry.dirs = [jobDir, ...tree.dirs.map((d) => posix.join(jobDir, d))];
    for (const f of tree.files) {
      const abs = posix.join(request.jobDir, f.path);
      const data = f.path === jobFiles.job ? jobFile.data : await transport.read(abs);
      if (data) files.push({ path: posix.join(jobDir, f.path), data, mode: f.mode, part: 'job' });
    }
    const outside = new Map<string, 'bundle' | 'runner' | 'map'>([[jobFile.bundle, 'bundle'], [`${jobFile.bundle}.map`, 'map']]);
    for (const word of request.command.slice(1)) if (word.startsWith('/') && !word.startsWith(`${request.jobDir}/`) && word !== request.jobDir) outside.set(word, 'runner');
    for (const [abs, part] of outside) {
      const data = await transport.read(abs);
      if (!data) {
        if (part === 'map') continue;
        throw new SubmitError(`the ${part} ${abs} was not staged; this is a bug in the kubernetes scheduler's staging`, { scope: 'kubernetes', jobId: request.jobId });
      }
      files.push({ path: posix.relative(root, abs), data, mode: transport.modeOf(abs) ?? 0o644, part });
    }
  }
  const build = (withMap: boolean): PayloadPlan => {
    const entries = new Map<string, Buffer>([['entry.mjs', entryScript()]]);
    const chosen = files.filter((f) => withMap || f.part !== 'map');
    entry.files = chosen.map((f, n) => {
      const key = keyFor(n, f.path);
      entries.set(key, f.data);
      return { key, path: f.path, mode: f.mode };
    });
    entries.set('entry.json', Buffer.from(JSON.stringify(entry)));
    let bytes = 0;
    for (const [k, v] of entries) bytes += k.length + v.length;
    return { kind, name, entries, bytes, entry: { ...entry } };
  };
  let plan = build(true);
  if (plan.bytes > OBJECT_LIMIT_BYTES) plan = build(false);
  if (plan.bytes > OBJECT_LIMIT_BYTES) {
    const size = (part: string) => files.filter((f) => f.part === part).reduce((n, f) => n + f.data.length, 0);
    throw new SubmitError(
      `job ${request.jobId}: its payload is ${mib(plan.bytes)} (bundle ${mib(size('bundle'))}, runner ${mib(size('runner'))}, job folder ${mib(size('job'))}) ` +
        `but a Kubernetes ${kind === 'secret' ? 'Secret' : 'ConfigMap'} holds at most 1 MiB. Nothing was created. ` +
        'Set `payloadVolume: { claimName, localPath }` in the cluster profile to stage jobs through a volume mounted here and in the pods ' +
        '(docs/schedulers/kubernetes.md, "Large payloads"), or leave big packages out of the bundle with `externals`',
      { scope: 'kubernetes', jobId: request.jobId },
    );
  }
  return plan;
}

function isUtf8Text(data: Buffer): boolean {
  return Buffer.from(data.toString('utf8'), 'utf8').equals(data);
}

/** The ConfigMap or Secret manifest of a plan. */
export function renderPayloadObject(plan: PayloadPlan, namespace: string, labels: Record<string, string>): Record<string, unknown> {
  const metadata = { name: plan.name, namespace, labels };
  if (plan.kind === 'secret') {
    const data: Record<string, string> = {};
    for (const [k, v] of plan.entries) data[k] = v.toString('base64');
    return { apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', immutable: true, data };
  }
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  for (const [k, v] of plan.entries) {
    if (isUtf8Text(v)) data[k] = v.toString('utf8');
    else binaryData[k] = v.toString('base64');
  }
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, immutable: true, data, ...(Object.keys(binaryData).length ? { binaryData } : {}) };
}
