/**
 * `clustrix doctor [cluster]`: is this cluster usable from here? Loads the configuration, connects,
 * checks Node on the cluster, the scheduler's commands, writing and reading in the remote root and
 * the registry, then submits a no-op job through the whole pipeline. Prints a checklist; each failed
 * check says what to fix, and the checks that depend on it are skipped.
 */
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { submit } from '@clustrix/core';
import {
  checkRemoteNode,
  getCluster,
  loadConfig,
  registryDirOf,
  resolveCall,
  type ClusterRuntime,
  type LoadedConfig,
  type ResolvedCall,
} from '@clustrix/core/jobs';
import type { BatchDialect } from '@clustrix/core/scheduler';
import { ClustrixDoctor } from '../doctor-job.js';
import { CliExit, paint } from '../format.js';
import type { GlobalOptions } from '../main.js';

export interface Check {
  name: string;
  ok: boolean | 'skipped';
  detail: string;
  fix?: string;
}

interface Context {
  loaded?: LoadedConfig;
  resolved?: ResolvedCall;
  rt?: ClusterRuntime;
}

const since = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)} s`;
const firstLine = (err: unknown) => String((err as Error)?.message ?? err).replace(/^\[clustrix\] \[[^\]]+\] /, '');

/** The commands a batch scheduler runs (submit, status, cancel), from its dialect. */
function schedulerCommands(rt: ClusterRuntime): string[] | undefined {
  const dialect = (rt.scheduler as unknown as { dialect?: BatchDialect }).dialect;
  if (!dialect) return undefined;
  const spec = { jobId: 'doctor', jobDir: '/tmp/doctor', command: ['true'], resources: { setup: [], modules: [], directives: [] }, profile: {} };
  const argv = [dialect.submitArgv('/tmp/doctor/job.sh', spec), ...dialect.statusArgv(['1']), dialect.cancelArgv(['1'])];
  // past an `env SLURM_CONF=...` prefix (a SLURM profile's slurmConf): the command itself
  return [...new Set(argv.map((a) => (a[0] === 'env' ? (a.slice(1).find((w) => !w.includes('=')) ?? 'env') : a[0]!)))];
}

export async function runDoctor(clusterName: string | undefined, options: { cwd: string; registry?: string; timeoutS: number; skipJob?: boolean }, report: (c: Check) => void): Promise<Check[]> {
  const checks: Check[] = [];
  const ctx: Context = {};
  let failed = false;
  const step = async (name: string, fix: string | ((err: unknown) => string | undefined) | undefined, fn: () => Promise<string>) => {
    let check: Check;
    if (failed) check = { name, ok: 'skipped', detail: 'skipped (an earlier check failed)' };
    else {
      try {
        check = { name, ok: true, detail: await fn() };
      } catch (err) {
        failed = true;
        const f = typeof fix === 'function' ? fix(err) : fix;
        check = { name, ok: false, detail: firstLine(err), ...(f ? { fix: f } : {}) };
      }
    }
    checks.push(check);
    report(check);
  };

  await step('configuration', 'correct the file or variable named above (clustrix config shows where each value comes from)', async () => {
    ctx.loaded = await loadConfig({ cwd: options.cwd, ...(options.registry ? { runtime: { registryDir: options.registry } } : {}) });
    ctx.resolved = resolveCall(ctx.loaded.merged, {}, clusterName ? { cluster: clusterName } : {});
    const files = ctx.loaded.layers.filter((l) => l.kind !== 'defaults' && l.kind !== 'environment').map((l) => l.source);
    return `cluster '${ctx.resolved.clusterName}' (${String(ctx.resolved.profile.scheduler ?? 'local')}) from ${files.length ? files.join(', ') : 'defaults'}`;
  });
  await step(
    'connection',
    (err) =>
      /host key/i.test(firstLine(err))
        ? 'add the host key to known_hosts (ssh to the host once), or set hostKeyPolicy: accept-new'
        : 'check host, port, user and identityFile of the cluster profile; try `ssh <user>@<host> true` by hand',
    async () => {
      const t = Date.now();
      ctx.rt = await getCluster(ctx.resolved!.clusterName);
      const r = await ctx.rt.transport.exec(['true']);
      if (r.code !== 0) throw new Error(`\`true\` exited with ${r.code} on ${ctx.rt.transport.host}: ${r.stderr.trim()}`);
      return `${ctx.rt.transport.host} (${ctx.rt.transport.kind} transport, ${ctx.rt.scheduler.name} scheduler) in ${since(t)}`;
    },
  );
  await step('node', undefined, async () => {
    const rt = ctx.rt!;
    if (rt.transport.kind !== 'local' && rt.transport.kind !== 'ssh') return `not checked here (the ${rt.transport.kind} transport runs Node in the job's image)`;
    const opts = ctx.resolved!.options;
    const version = await checkRemoteNode({ transport: rt.transport, clusterName: rt.name, options: opts });
    return `Node ${version} (${opts.nodePath ?? 'node'}) on ${rt.transport.host}`;
  });
  await step(
    'scheduler commands',
    (err) => `make the commands reachable from a non-interactive shell on the host (PATH), or load them with \`setup\`/\`modules\`: ${firstLine(err)}`,
    async () => {
      const rt = ctx.rt!;
      const commands = schedulerCommands(rt);
      if (!commands) return `nothing to check for the ${rt.scheduler.name} scheduler`;
      const r = await rt.transport.exec(['sh', '-c', 'for c; do command -v "$c" >/dev/null 2>&1 || echo "$c"; done', 'clustrix-doctor', ...commands]);
      const missing = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
      if (missing.length) throw new Error(`not found on ${rt.transport.host}: ${missing.join(', ')}`);
      // a scheduler that speaks one of several variants (PBS: pbspro or torque) says which, and how it knows
      const variant = (rt.scheduler as { variant?: string }).variant;
      return `${commands.join(', ')} found${variant ? `; ${rt.scheduler.name}: ${variant}` : ''}`;
    },
  );
  await step('limits', undefined, async () => {
    const rt = ctx.rt!;
    const set = rt.profile.maxArrayItems;
    const read = set === undefined ? await rt.scheduler.limits?.() : { maxArrayItems: set, source: 'the cluster profile (maxArrayItems)' };
    if (!read?.maxArrayItems) return `no array limit known (${read?.source ?? `the ${rt.scheduler.name} scheduler reports none`}): a map is one array job`;
    return `arrays of at most ${read.maxArrayItems} items (${read.source}): a larger map is split into several`;
  });
  await step('remote root', 'set `remoteRoot` to a folder you can write on the cluster (a scratch or home folder shared with the nodes)', async () => {
    const rt = ctx.rt!;
    const dir = `${rt.remoteRoot}/doctor`;
    const name = `probe-${randomBytes(4).toString('hex')}`;
    const text = `clustrix doctor ${new Date().toISOString()}`;
    await rt.transport.mkdir(dir, { mode: 0o700 });
    await rt.transport.writeFiles(dir, { [name]: text });
    const back = (await rt.transport.readFiles([`${dir}/${name}`])).get(`${dir}/${name}`)?.toString('utf8');
    await rt.transport.remove(`${dir}/${name}`);
    if (back !== text) throw new Error(`wrote ${dir}/${name} but read back ${back === undefined ? 'nothing' : JSON.stringify(back)}`);
    return `${rt.remoteRoot} is writable and readable`;
  });
  await step('registry', 'set `registryDir` (or CLUSTRIX_REGISTRY_DIR, or --registry) to a writable folder on this machine', async () => {
    const dir = registryDirOf(ctx.loaded!.merged, homedir());
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const probe = join(dir, `.doctor-${process.pid}`);
    await writeFile(probe, 'ok', { mode: 0o600 });
    await unlink(probe);
    return `${dir} is writable`;
  });
  if (options.skipJob) return checks;
  await step(
    'test job',
    (err) => `see the message above; \`clustrix status <id>\` and \`clustrix logs <id>\` show more${/time/i.test(firstLine(err)) ? ' (the job may be waiting in the queue: raise --timeout)' : ''}`,
    async () => {
      const t = Date.now();
      const h = await submit(() => new ClustrixDoctor().ping(), { cluster: ctx.resolved!.clusterName });
      const timer = setTimeout(() => void h.cancel().catch(() => undefined), options.timeoutS * 1000);
      try {
        const ping = await h.result();
        return `job ${h.id} (${h.schedulerJobId}) ran on ${ping.host} with Node ${ping.node} in ${since(t)}`;
      } catch (err) {
        if (Date.now() - t >= options.timeoutS * 1000) throw new Error(`job ${h.id} did not finish within ${options.timeoutS} s (it was ${h.state}); cancelled`);
        throw new Error(`job ${h.id}: ${firstLine(err)}`);
      } finally {
        clearTimeout(timer);
      }
    },
  );
  return checks;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check that a cluster works from here: connection, Node, scheduler commands, remote root, a no-op job')
    .argument('[cluster]', 'cluster profile (default: defaultCluster)')
    .option('-t, --timeout <seconds>', 'how long the test job may take (queue included)', '300')
    .option('--no-job', 'skip the test job')
    .action(async (clusterName: string | undefined, opts: { timeout: string; job: boolean }) => {
      const g = program.opts<GlobalOptions>();
      const timeoutS = Number(opts.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new Error(`--timeout: expected seconds > 0, got '${opts.timeout}'`);
      const w = 20;
      const checks = await runDoctor(clusterName, { cwd: g.cwd ?? process.cwd(), ...(g.registry ? { registry: g.registry } : {}), timeoutS, skipJob: !opts.job }, (c) => {
        const mark = c.ok === true ? paint('✓', 'green') : c.ok === false ? paint('✗', 'red') : paint('-', 'gray');
        process.stdout.write(`${mark} ${c.name.padEnd(w)} ${c.detail}\n`);
        if (c.fix) process.stdout.write(`  ${' '.repeat(w)} ${paint('fix:', 'yellow')} ${c.fix}\n`);
      });
      const bad = checks.filter((c) => c.ok === false).length;
      process.stdout.write(bad ? `${bad} check${bad > 1 ? 's' : ''} failed\n` : 'all checks passed\n');
      if (bad) throw new CliExit(1);
    });
}
