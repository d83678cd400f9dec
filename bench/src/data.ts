/**
 * pnpm bench:data [--big] — large bytes through the local scheduler, against the raw equivalent on
 * the same run.
 *  - time: a 100 MB Float64Array echo round trip vs writing the bytes to a file, a child `node`
 *    reading them and writing them back, and reading them again (target ≤ 1.3×);
 *  - memory: the client's peak RSS growth during the call vs the payload, measured in a child process
 *    that does only the call (`process.resourceUsage().maxRSS` before and after; target ≤ 1.5×);
 *  - `--big`: a 1 GB argument (small result), in such a child: it works, and the client's peak RSS
 *    (target < 2 GB).
 * Set CLUSTRIX_BENCH_MB to change the payload (default 100), CLUSTRIX_BENCH_N the rounds (default 5).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configure, shutdown } from '@clustrix/core';
import { BytesEcho } from './bytes-echo.js';
import { fmt, median, ratio, sample } from './stats.js';

const MB = 1e6;
const args = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'clustrix-bench-data-'));
configure({ remoteRoot: join(dir, 'remote'), cacheDir: join(dir, 'cache') });
const jobs = new BytesEcho();

/** `bytes` of payload (a multiple of 8), every page touched. */
function payload(bytes: number): Float64Array {
  const values = new Float64Array(bytes / 8);
  for (let i = 0; i < values.length; i++) values[i] = i;
  return values;
}

function run(argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${argv.join(' ')} exited ${code}`))));
  });
}

let rawRounds = 0;
/**
 * The raw round trip: write the bytes, a child node reads them and writes them back, read them again.
 * Into new files each round, as each call writes a job folder of its own (rewriting the same two files
 * would let the kernel drop their dirty pages unwritten).
 */
async function rawRoundTrip(values: Float64Array): Promise<void> {
  const round = rawRounds++;
  const a = join(dir, `raw-in-${round}.bin`);
  const b = join(dir, `raw-out-${round}.bin`);
  await writeFile(a, values);
  await run(['-e', `const fs = require('fs'); fs.writeFileSync(${JSON.stringify(b)}, fs.readFileSync(${JSON.stringify(a)}))`]);
  const back = await readFile(b);
  if (back.byteLength !== values.byteLength) throw new Error('raw round trip lost bytes');
}

/** In a child process: one call with `mb` MB, after a warm-up; prints the client's peak RSS growth. */
async function childCall(mode: 'echo' | 'summary', mb: number): Promise<void> {
  await jobs.echo(new Float64Array(16)); // bundle the code and start the machinery first
  const values = payload(mb * MB);
  const before = process.resourceUsage().maxRSS * 1024;
  const rssBefore = process.memoryUsage().rss;
  const t = performance.now();
  const back = mode === 'echo' ? (await jobs.echo(values)).length : (await jobs.summary(values)).length;
  const ms = performance.now() - t;
  if (back !== values.length) throw new Error(`the call gave back ${back} values of ${values.length}`);
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ payload: values.byteLength, peakBefore: before, rssBefore, peak, ms }));
}

/** Run `childCall` in a fresh process (the same loader flags as this one). */
async function measureInChild(mode: 'echo' | 'summary', mb: number): Promise<{ payload: number; peakBefore: number; rssBefore: number; peak: number; ms: number }> {
  const out = await run([...process.execArgv, fileURLToPath(import.meta.url), '--child', mode, String(mb)]);
  return JSON.parse(out.trim().split('\n').pop()!) as never;
}

async function main(): Promise<void> {
  const mb = Number(process.env.CLUSTRIX_BENCH_MB ?? 100);
  const n = Number(process.env.CLUSTRIX_BENCH_N ?? 5);
  const values = payload(mb * MB);
  await jobs.echo(new Float64Array(16)); // bundles the code
  await rawRoundTrip(values); // warm the OS cache and the node binary
  await jobs.echo(values);
  const raw: number[] = [];
  const echo: number[] = [];
  for (let i = 0; i < n; i++) {
    // interleaved, so drift on a busy machine hits both alike
    raw.push(...(await sample(1, () => rawRoundTrip(values))));
    echo.push(...(await sample(1, () => jobs.echo(values))));
  }
  const r = median(raw);
  const e = median(echo);
  console.log(`payload: a Float64Array of ${mb} MB; median of ${n} interleaved rounds`);
  console.log(`raw round trip (write, child node reads + writes back, read): ${fmt(r)}  (${((2 * mb) / (r / 1000)).toFixed(0)} MB/s counting both ways)`);
  console.log(`echo round trip through the local scheduler:                ${fmt(e)}  = ${ratio(e, r)} the raw round trip (target ≤ 1.30×)`);
  const mem = await measureInChild('echo', mb);
  const growth = mem.peak - mem.peakBefore;
  console.log(
    `client peak RSS growth during one echo (child process, maxRSS): ${(growth / MB).toFixed(0)} MB = ${(growth / mem.payload).toFixed(2)}× the payload (target ≤ 1.50×; the result itself is 1.00×)`,
  );
  if (args.includes('--big')) {
    const big = await measureInChild('summary', 1000);
    console.log(
      `--big: a 1 GB argument (small result) in ${fmt(big.ms)}; client peak RSS ${(big.peak / MB).toFixed(0)} MB (${big.peak < 2e9 ? 'under' : 'OVER'} 2 GB), growth ${((big.peak - big.peakBefore) / MB).toFixed(0)} MB during the call`,
    );
  }
}

try {
  const child = args.indexOf('--child');
  if (child >= 0) await childCall(args[child + 1] as 'echo' | 'summary', Number(args[child + 2]));
  else await main();
} finally {
  await shutdown();
  rmSync(dir, { recursive: true, force: true });
}
