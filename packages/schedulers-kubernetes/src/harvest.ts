/**
 * Reading an ended pod's results back: the frames at the end of its log (pod/entry.mjs) become
 * files of the job folder in the transport (result/error, exit code, stderr tail), where core's
 * collect step reads them. Usually one log request of the last 64 lines; a bigger result takes a
 * second request for exactly its frame lines — never the method's whole output.
 */
import { posix } from 'node:path';
import { jobFiles } from '@clustrix/core/scheduler';
import { statusCode, apiMessage, type KubeApi } from './client.js';
import { findDone, parseFrames } from './frames.js';
import { CONTAINER_NAME } from './manifest.js';
import type { PodLike } from './pod-state.js';
import type { HarvestResult } from './run-status.js';
import type { KubeTransport } from './transport.js';
import { logger } from './log.js';

const log = logger('harvest');
const FIRST_READ_LINES = 64;
const STDERR_LINES = 40;
const ATTEMPTS = 3;

export interface HarvestContext {
  api: KubeApi;
  transport: KubeTransport;
  namespace: string;
  jobDir: string;
  nonce: string;
  /** Array run: files are per index. */
  array: boolean;
}

async function readLog(ctx: HarvestContext, pod: string, tailLines: number): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const text = await ctx.api.core.readNamespacedPodLog({ name: pod, namespace: ctx.namespace, container: CONTAINER_NAME, tailLines });
      return typeof text === 'string' ? text : String(text ?? '');
    } catch (err) {
      if (statusCode(err) === 404 || attempt >= ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
}

export async function harvestPod(ctx: HarvestContext, pod: PodLike, index: number): Promise<HarvestResult> {
  const name = pod.metadata?.name ?? '';
  if (ctx.transport.onVolume) return {}; // the entry wrote everything to the shared volume
  const i = ctx.array ? index : undefined;
  let text: string;
  try {
    text = await readLog(ctx, name, FIRST_READ_LINES);
    const done = findDone(text, ctx.nonce);
    if (done && done.lines + 1 > FIRST_READ_LINES) text = await readLog(ctx, name, done.lines + 1);
  } catch (err) {
    log('cannot read the log of pod %s: %s', name, apiMessage(err));
    return { problem: `the log of pod ${name} could not be read (${apiMessage(err)})` };
  }
  const framed = parseFrames(text, ctx.nonce);
  if (!framed.done) {
    // The pod ended before the entry could report (killed, OOM, deadline): keep its last lines.
    const tail = text.replace(/\s+$/, '').split('\n').slice(-STDERR_LINES).join('\n');
    if (tail) await ctx.transport.store(posix.join(ctx.jobDir, jobFiles.stderr(i)), Buffer.from(`${tail}\n`));
    return { problem: `pod ${name} ended without reporting a result in its log` };
  }
  for (const [rel, data] of framed.files) {
    if (rel.startsWith('/') || rel.split('/').includes('..')) continue;
    await ctx.transport.store(posix.join(ctx.jobDir, rel), data);
  }
  log('read %d file(s) back from pod %s (exit %d)', framed.files.size, name, framed.done.exitCode);
  if (framed.problems.length) {
    return {
      done: framed.done,
      problem: `the results in the log of pod ${name} are incomplete (${framed.problems.join('; ')}); a result too large for the pod log needs \`payloadVolume\``,
    };
  }
  return { done: framed.done };
}
