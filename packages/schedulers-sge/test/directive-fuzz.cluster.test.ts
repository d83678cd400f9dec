// Issue 11, proof against the real parser: 10 000 seeded hostile values sent into every field that
// reaches a #$ directive (job name, queue, account, the job folder from remoteRoot: -wd/-o/-e),
// rendered by the real renderer, then read back by Son of Grid Engine 8.1.9's own parser:
// `qsub -verify` (as clustrix) parses the script's #$ lines and prints the job it would submit
// (job_name, account, hard_queue_list, cwd, stdout/stderr_path_list) without submitting it.
// One qsub costs ~55 ms of CPU here, so each call carries six cases (one per slot: -N, -A, -q,
// -wd, -o, -e) and the calls are capped (REAL_CALLS); every case past the cap is read back by the
// #$ tokenizer model (encode.ts sgeArguments), which the real calls check. Real jobs with the
// injections run, and the canary file is never created.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BadValueError, type JobOptions } from '@clustrix/core';
import { normalizeResources, type BatchJobSpec } from '@clustrix/core/scheduler';
import { directiveCorpus, FuzzTally, inParallel, namedInjections } from '../../scheduler-test-suite/src/directive-corpus.js';
import { sgeArguments } from '../src/encode.js';
import { renderSgeScript, sgeDirectives } from '../src/render.js';

const run = promisify(execFile);
const SEED = 11;
/** Real `qsub -verify` calls (each ~55 ms CPU); the model reads the rest. */
const REAL_CALLS = Number(process.env.CLUSTRIX_SGE_FUZZ_CALLS ?? 1200);
const root = mkdtempSync(join(tmpdir(), 'clustrix-sge-fuzz-'));
chmodSync(root, 0o755);
const canary = join(root, 'CANARY');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const corpus = directiveCorpus(canary, { count: 10_000, seed: SEED });

type Key = 'jobName' | 'queue' | 'account' | 'remoteRoot';
type Slot = '-N' | '-A' | '-q' | '-wd' | '-o' | '-e';
/** What `qsub -verify` prints for each slot, and how the value appears there. */
const SHOWN: Record<Slot, { field: string; shown: (v: string) => string }> = {
  '-N': { field: 'job_name', shown: (v) => v },
  '-A': { field: 'account', shown: (v) => v },
  '-q': { field: 'hard_queue_list', shown: (v) => v },
  '-wd': { field: 'cwd', shown: (v) => v },
  '-o': { field: 'stdout_path_list', shown: (v) => `NONE:NONE:${v}` },
  '-e': { field: 'stderr_path_list', shown: (v) => `NONE:NONE:${v}` },
};
const dirOf = (v: string) => `/tmp/sgefz/${v}/jobs/j1`;

interface Case { key: Key; value: string; slot: Slot; line: string; want: string }

/** One (field, value): its #$ line in the slot it is checked in, or undefined when refused (BAD_VALUE). */
function encode(key: Key, value: string, n: number): Case | undefined {
  const options: JobOptions = key === 'remoteRoot' ? {} : { [key]: value };
  let lines: string[];
  try {
    const spec: BatchJobSpec = { jobId: 'j1', jobDir: key === 'remoteRoot' ? dirOf(value) : '/tmp/sgefz/jobs/j1', command: ['true'], resources: normalizeResources(options), label: 'Fuzz.run', profile: {} };
    lines = sgeDirectives(spec);
  } catch (e) {
    if (e instanceof BadValueError && e.code === 'BAD_VALUE') return undefined;
    throw e;
  }
  // a job folder is checked in one of -wd/-o/-e (the same encoder writes all three), in turn
  const slot: Slot = key === 'jobName' ? '-N' : key === 'account' ? '-A' : key === 'queue' ? '-q' : (['-wd', '-o', '-e'] as const)[n % 3]!;
  const want = key !== 'remoteRoot' ? value : slot === '-wd' ? dirOf(value) : `${dirOf(value)}/${slot === '-o' ? 'stdout' : 'stderr'}`;
  const line = lines.find((l) => l.startsWith(`#$ ${slot} `))!;
  return { key, value, slot, line, want };
}

/** What qsub -verify shows for each slot of the script made of these lines. */
async function verify(lines: string[], name: string): Promise<Map<string, string>> {
  const file = join(root, `${name}.sh`);
  writeFileSync(file, `#!/bin/bash\n${lines.join('\n')}\ntrue\n`, { mode: 0o644 });
  const r = await run('setpriv', ['--reuid=clustrix', '--regid=clustrix', '--init-groups', 'qsub', '-verify', file], { cwd: root }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  const shown = new Map<string, string>();
  for (const l of r.stdout.split('\n')) {
    const m = /^([a-z_]+):\s{2,}(.*)$/.exec(l) ?? /^([a-z_]+):\s(.*)$/.exec(l);
    if (m && !shown.has(m[1]!)) shown.set(m[1]!, m[2]!);
  }
  return shown;
}

describe('SGE qsub reads back every value the SGE renderer writes (issue 11)', () => {
  test('10 000 values x every directive field: read back exactly or refused; 0 leaks', async () => {
    const tally = new FuzzTally();
    const bySlot = new Map<Slot, Case[]>(Object.keys(SHOWN).map((s) => [s as Slot, []]));
    let n = 0;
    for (const value of corpus) {
      for (const key of ['jobName', 'queue', 'account', 'remoteRoot'] as const) {
        tally.cases++;
        const c = encode(key, value, n++);
        if (!c) tally.refused++;
        else {
          tally.accepted++;
          bySlot.get(c.slot)!.push(c);
        }
      }
    }
    // every accepted case through the model of SGE's #$ tokenizer
    for (const cases of bySlot.values()) {
      for (const c of cases) if (JSON.stringify(sgeArguments(c.line.slice(2))) !== JSON.stringify([c.slot, c.want])) tally.leak(`model: ${c.key}=${JSON.stringify(c.value)}`);
    }
    // the real parser: call i carries case i of every slot
    const calls = Math.min(REAL_CALLS, Math.max(...[...bySlot.values()].map((c) => c.length)));
    let real = 0;
    await inParallel(Array.from({ length: calls }, (_, i) => i), 3, async (i) => {
      const batch = [...bySlot.values()].flatMap((cases) => (cases[i] ? [cases[i]!] : []));
      const shown = await verify(batch.map((c) => c.line), `v${i}`);
      for (const c of batch) {
        real++;
        if (shown.get(SHOWN[c.slot].field) === SHOWN[c.slot].shown(c.want)) tally.readBack++;
        else tally.leak(`${c.key}=${JSON.stringify(c.value)} (${c.slot}) read as ${JSON.stringify(shown.get(SHOWN[c.slot].field))}`);
      }
    });
    const modelOnly = tally.accepted - real;
    console.log(tally.summary('sge (qsub -verify, SGE 8.1.9)', `seed=${SEED} values=${corpus.length} fields=4 realCalls=${calls} realReadBack=${tally.readBack} modelOnly=${modelOnly}`));
    expect(tally.leaks).toEqual([]);
    expect(tally.readBack).toBe(real);
    expect(real).toBeGreaterThan(3000);
    expect(existsSync(canary)).toBe(false);
  }, 900_000); // 1,200 sequential qsub runs: over 300 s on a loaded 2-CPU CI machine (seen once)

  test('jobs with the injections as account and job folder run: the canary is never created', async () => {
    const hostile = namedInjections(canary).filter((v) => encode('account', v, 0));
    expect(hostile.length).toBeGreaterThan(0);
    const ids: string[] = [];
    for (const [i, value] of hostile.entries()) {
      const dir = join(root, `run-${i}`, `it is $(touch ${canary.replace(/[:$]/g, '')}) and ;touch x;`);
      mkdirSync(dir, { recursive: true });
      chmodSync(join(root, `run-${i}`), 0o777);
      chmodSync(dir, 0o777);
      const spec: BatchJobSpec = { jobId: 'j1', jobDir: dir.replace(/\$/g, ''), command: ['true'], resources: normalizeResources({ account: value }), label: 'Fuzz.run', profile: {} };
      mkdirSync(spec.jobDir, { recursive: true, mode: 0o777 });
      chmodSync(spec.jobDir, 0o777);
      const file = join(root, `run-${i}.sh`);
      writeFileSync(file, renderSgeScript(spec), { mode: 0o644 });
      const r = await run('setpriv', ['--reuid=clustrix', '--regid=clustrix', '--init-groups', 'qsub', '-terse', file], { cwd: root });
      ids.push(r.stdout.trim());
    }
    for (let i = 0; i < 240; i++) {
      const q = await run('setpriv', ['--reuid=clustrix', '--regid=clustrix', '--init-groups', 'qstat']).catch(() => ({ stdout: '' }));
      if (!ids.some((id) => new RegExp(`^\\s*${id}\\s`, 'm').test(q.stdout))) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(`[directive fuzz] sge jobs run with hostile accounts: ${ids.length}; canary exists: ${existsSync(canary)}`);
    expect(existsSync(canary)).toBe(false);
  }, 180_000);
});

describe('the submitter environment stays home (issue 11 item 5)', () => {
  test('a variable set where qsub runs is absent in the job (no -V)', async () => {
    const dir = join(root, 'env-job');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const probe = ['sh', '-c', `printf '%s|%s' "\${CLUSTRIX_TEST_SUBMITTER_TOKEN-absent}" "$(command -v node)" > '${dir}/seen'`];
    const file = join(dir, 'job.sh');
    writeFileSync(file, renderSgeScript({ jobId: 'j1', jobDir: dir, command: probe, resources: normalizeResources({}), label: 'Env.probe', profile: {} }), { mode: 0o644 });
    await run('setpriv', ['--reuid=clustrix', '--regid=clustrix', '--init-groups', 'env', 'CLUSTRIX_TEST_SUBMITTER_TOKEN=submitter-secret', 'qsub', '-terse', file], { cwd: root });
    for (let i = 0; i < 240 && !existsSync(join(dir, 'exit_code')); i++) await new Promise((r) => setTimeout(r, 500));
    const seen = readFileSync(join(dir, 'seen'), 'utf8');
    expect(seen.split('|')[0]).toBe('absent');
    expect(seen.split('|')[1]).toMatch(/\/node$/);
  }, 150_000);
});
