/**
 * `npx tsx --conditions=source bench/src/registry.ts` — the job registry with 10,000 jobs: how long
 * listing takes (all of them, filtered by state, the newest 50), in-process and through
 * `clustrix jobs` (a whole CLI process). Records look like real ones (profile, options, one attempt).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobRegistry, type JobRecord } from '@clustrix/core/jobs';
import { fmt, median, sample, timeIt } from './stats.js';

const N = Number(process.env.CLUSTRIX_BENCH_JOBS ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'clustrix-bench-registry-'));
const registry = new JobRegistry(dir);
const STATES = ['completed', 'completed', 'completed', 'failed', 'running', 'pending', 'cancelled', 'timeout'] as const;

function record(i: number): JobRecord {
  const t = new Date(Date.UTC(2026, 0, 1) + i * 60_000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const id = `${t.getUTCFullYear()}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}-${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}-${p(i, 8)}`;
  const iso = t.toISOString();
  const jobDir = `/scratch/alice/.clustrix/jobs/${id}`;
  return {
    v: 1,
    id,
    cluster: i % 3 ? 'hpc' : 'local',
    scheduler: i % 3 ? 'slurm' : 'local',
    profile: { scheduler: 'slurm', host: 'login.hpc.example.org', user: 'alice', remoteRoot: '/scratch/alice/.clustrix', partition: 'compute', pollMinMs: 250 },
    target: { className: 'Estimator', method: 'estimate', static: false, module: '/home/alice/proj/src/estimator.ts' },
    options: { time: '1h', cpus: 4, memory: '8G', remoteRoot: '/scratch/alice/.clustrix', nodePath: 'node', cleanup: 'keep', checkpoints: 0 },
    ...(i % 10 === 0 ? { items: 100 } : {}),
    command: ['node', '/scratch/alice/.clustrix/runner/0.1.0-abcdef0123456789/clustrix-runner.mjs'],
    state: STATES[i % STATES.length]!,
    createdAt: iso,
    submittedAt: iso,
    updatedAt: iso,
    ...(i % 8 < 4 ? { endedAt: iso, outcome: { succeeded: 1, failed: 0 } } : {}),
    owner: { pid: 1000 + (i % 50), host: 'laptop' },
    attempts: [{ n: 0, jobId: id, jobDir, ref: { jobId: id, schedulerJobId: String(100000 + i), jobDir }, submittedAt: iso }],
    rev: 3,
  };
}

const tWrite = await timeIt(async () => {
  for (let i = 0; i < N; i += 500) await Promise.all(Array.from({ length: Math.min(500, N - i) }, (_, k) => registry.create(record(i + k))));
});
console.log(`${N} records written in ${fmt(tWrite)} (${fmt(tWrite / N)} each, in batches of 500)`);

const R = 5;
const all = await sample(R, () => registry.list());
const failed = await sample(R, () => registry.list({ state: ['failed'] }));
const newest = await sample(R, () => registry.list({ limit: 50 }));
console.log(`list all ${N}:               median ${fmt(median(all))} of ${R}`);
console.log(`list state=failed (${N / 8}):  median ${fmt(median(failed))} of ${R}`);
console.log(`list newest 50:              median ${fmt(median(newest))} of ${R}`);

const src = join(process.cwd(), 'packages', 'cli', 'src', 'bin.ts');
const dist = join(process.cwd(), 'packages', 'cli', 'dist', 'bin.js');
const cli = (how: 'src' | 'dist', args: string[]) => {
  const t = performance.now();
  const argv = how === 'src' ? ['--import', 'tsx', '--conditions=source', src] : [dist];
  const r = spawnSync(process.execPath, [...argv, '--registry', dir, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(`clustrix ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms: performance.now() - t, lines: r.stdout.trim().split('\n').length };
};
for (const how of existsSync(dist) ? (['dist', 'src'] as const) : (['src'] as const)) {
  const label = how === 'dist' ? 'built (packages/cli/dist)' : 'from sources (tsx)';
  const start = [cli(how, ['--help']), cli(how, ['--help']), cli(how, ['--help'])];
  const all = [cli(how, ['jobs', '--no-refresh', '-n', '0']), cli(how, ['jobs', '--no-refresh', '-n', '0']), cli(how, ['jobs', '--no-refresh', '-n', '0'])];
  const newest = [cli(how, ['jobs', '--no-refresh']), cli(how, ['jobs', '--no-refresh']), cli(how, ['jobs', '--no-refresh'])];
  console.log(`clustrix ${label}: --help ${fmt(median(start.map((c) => c.ms)))}, jobs -n 0 (${all[0]!.lines - 1} rows) ${fmt(median(all.map((c) => c.ms)))}, jobs (newest 50) ${fmt(median(newest.map((c) => c.ms)))} (medians of 3)`);
}
