/**
 * pnpm bench:local — turnaround of a trivial @cluster call on the local scheduler against a bare
 * `node -e 0` spawn on the same run, for the first call (bundles the code) and cached calls.
 * Target: a cached call ≤ 1.5× the bare spawn.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure, shutdown } from '@clustrix/core';
import { Trivial } from './trivial.js';
import { fmt, median, ratio, sample, timeIt } from './stats.js';

const N = Number(process.env.CLUSTRIX_BENCH_N ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'clustrix-bench-'));
configure({ remoteRoot: join(dir, 'remote'), cacheDir: join(dir, 'cache') });

const bare = () =>
  new Promise<void>((resolve, reject) => {
    const c = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`node -e 0 exited ${code}`))));
  });

const t = new Trivial();
await bare(); // warm the OS cache for the node binary
const first = await timeIt(() => t.noop());
const cached = await sample(N, () => t.noop());
const spawns = await sample(N, bare);
// interleave a second round to even out drift on a busy machine
const cached2 = await sample(N, () => t.noop());
const spawns2 = await sample(N, bare);
const c = median([...cached, ...cached2]);
const b = median([...spawns, ...spawns2]);
console.log(`bare spawn (node -e 0), median of ${2 * N}: ${fmt(b)}`);
console.log(`first call (bundles the code):           ${fmt(first)}  = ${ratio(first, b)} the bare spawn`);
console.log(`cached call, median of ${2 * N}:             ${fmt(c)}  = ${ratio(c, b)} the bare spawn (target ≤ 1.50×)`);
await shutdown();
