/**
 * Before the first job on a cluster: is there a Node.js the runner can use? Runs the job's `setup`
 * (and `module load` for `modules`) then `<nodePath> -p process.versions.node` through the transport,
 * once per cluster runtime and (nodePath, setup). A missing or too-old Node is a ConfigError naming
 * the host, what was tried, and the key to set — and nothing is submitted.
 */
import { ConfigError } from '../../errors.js';
import type { JobOptions } from '../../options.js';
import type { Transport } from '../../transport/contract.js';
import { quoteWord } from '../../transport/shell-quote.js';
import { logger } from '../../util/debug.js';

const log = logger('node-check');

/** Oldest Node the runner supports (package.json engines). */
export const MIN_NODE = [20, 10] as const;

const checked = new WeakMap<Transport, Map<string, Promise<string>>>();

/** The shell text that prepares the environment: `module load` for `modules`, then `setup`. */
export function preparationScript(options: Pick<JobOptions, 'setup' | 'modules'>): string {
  const lines: string[] = [];
  if (options.modules?.length) {
    lines.push(`command -v module >/dev/null 2>&1 || . /etc/profile >/dev/null 2>&1; module load ${options.modules.map(quoteWord).join(' ')}`);
  }
  lines.push(...(options.setup ?? []));
  return lines.join('\n');
}

export function parseNodeVersion(text: string): [number, number, number] | undefined {
  const m = /(\d+)\.(\d+)\.(\d+)\s*$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function isSupportedNode(v: readonly [number, number, number]): boolean {
  return v[0] > MIN_NODE[0] || (v[0] === MIN_NODE[0] && v[1] >= MIN_NODE[1]);
}

export interface NodeCheckContext {
  transport: Transport;
  clusterName: string;
  /** Which options to name in the message: the cluster profile's keys. */
  options: Pick<JobOptions, 'nodePath' | 'setup' | 'modules'>;
}

/**
 * The check before a submission, on transports whose `exec` runs where the job's Node will run
 * (`Transport.canExec`: a login host, or this machine); others (Kubernetes) are skipped.
 */
export async function checkNodeBeforeSubmit(transport: Transport, clusterName: string, options: JobOptions): Promise<void> {
  if (!transport.canExec) return;
  await checkRemoteNode({ transport, clusterName, options });
}

/** Resolves with the remote Node version, or rejects with a ConfigError. Cached per transport. */
export function checkRemoteNode(ctx: NodeCheckContext): Promise<string> {
  const nodePath = ctx.options.nodePath ?? 'node';
  const prep = preparationScript(ctx.options);
  const key = `${nodePath}\0${prep}`;
  let perTransport = checked.get(ctx.transport);
  if (!perTransport) checked.set(ctx.transport, (perTransport = new Map()));
  let p = perTransport.get(key);
  if (!p) {
    p = run(ctx, nodePath, prep);
    perTransport.set(key, p);
    const cache = perTransport;
    p.catch(() => cache.delete(key));
  }
  return p;
}

async function run(ctx: NodeCheckContext, nodePath: string, prep: string): Promise<string> {
  const host = ctx.transport.host;
  const argv = ['/bin/sh', '-c', `${prep}\nexec "$@"`, 'clustrix-node-check', nodePath, '-p', 'process.versions.node'];
  const tried = `${prep ? `${prep.split('\n').join('; ')}; ` : ''}${quoteWord(nodePath)} -p process.versions.node`;
  const r = await ctx.transport.exec(argv, { timeoutMs: 60_000 });
  const keyPath = `clusters.${ctx.clusterName}.nodePath`;
  const version = r.code === 0 ? parseNodeVersion(r.stdout) : undefined;
  if (!version) {
    const why = r.code === 127 || /not found|No such file/i.test(r.stderr) ? 'Node.js was not found' : `it failed (exit ${r.code})`;
    throw new ConfigError(
      `no usable Node.js on ${host}: ${why} when running \`${tried}\`${r.stderr.trim() ? ` — ${r.stderr.trim().split('\n').slice(-3).join(' / ')}` : ''}. ` +
        `Set ${keyPath} to the node binary there (e.g. '/opt/node20/bin/node'), or add the command that provides it to clusters.${ctx.clusterName}.setup (e.g. 'module load nodejs/20')`,
      { scope: ctx.transport.kind, keyPath },
    );
  }
  const text = version.join('.');
  if (!isSupportedNode(version)) {
    throw new ConfigError(
      `Node.js ${text} on ${host} (from \`${tried}\`) is too old: Clustrix's runner needs ${MIN_NODE.join('.')} or newer. ` +
        `Point ${keyPath} at a newer node, or load one in clusters.${ctx.clusterName}.setup (e.g. 'module load nodejs/20')`,
      { scope: ctx.transport.kind, keyPath },
    );
  }
  log('node %s on %s', text, host);
  return text;
}
