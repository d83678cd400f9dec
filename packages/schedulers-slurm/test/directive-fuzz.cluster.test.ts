// Issue 11, proof against the real parser: 10 000 seeded hostile values sent into every field that
// reaches an #SBATCH directive (job name, partition, account, qos, constraint, the job folder from
// remoteRoot: --chdir/--output/--error), rendered by the real renderer, then read back by the real
// sbatch 22.05 tokenizer (`sbatch --test-only -vvv` logs every argument it reads from the script).
// Every accepted value must come back byte for byte with no extra argument; held jobs read back
// through squeue; real jobs with the injections run, and the canary file is never created.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BadValueError, type JobOptions } from '@clustrix/core';
import { normalizeResources, type BatchJobSpec } from '@clustrix/core/scheduler';
import { renderSlurmScript, slurmDirectives } from '@clustrix/schedulers-slurm';
import { directiveCorpus, FuzzTally, inParallel, namedInjections } from '../../scheduler-test-suite/src/directive-corpus.js';
import { sbatchArguments } from '../src/encode.js';

const run = promisify(execFile);
const SEED = 11;
const root = mkdtempSync(join(tmpdir(), 'clustrix-sbatch-fuzz-'));
const canary = join(root, 'CANARY');
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Field = { key: keyof JobOptions | 'remoteRoot'; flags: string[] };
const FIELDS: Field[] = [
  { key: 'jobName', flags: ['--job-name'] },
  { key: 'partition', flags: ['--partition'] },
  { key: 'account', flags: ['--account'] },
  { key: 'qos', flags: ['--qos'] },
  { key: 'constraint', flags: ['--constraint'] },
  { key: 'remoteRoot', flags: ['--chdir', '--output', '--error'] },
];

function spec(field: Field, value: string): BatchJobSpec {
  const options: JobOptions = field.key === 'remoteRoot' ? {} : { [field.key]: value };
  const jobDir = field.key === 'remoteRoot' ? `/tmp/fz/${value}/jobs/j1` : '/tmp/fz/jobs/j1';
  return { jobId: 'j1', jobDir, command: ['true'], resources: normalizeResources(options), label: 'Fuzz.run', profile: {} };
}

/** What sbatch must read: computed from the value, not from the encoder. */
function expected(field: Field, value: string): string[] {
  if (field.key !== 'remoteRoot') return [`${field.flags[0]}=${value}`];
  const dir = `/tmp/fz/${value}/jobs/j1`;
  return [`--chdir=${dir}`, `--error=${dir.replace(/%/g, '%%')}/stderr`, `--output=${dir.replace(/%/g, '%%')}/stdout`];
}

interface Case { field: Field; value: string; lines: string[]; want: string[] }

/** Encodes one (field, value): the directive lines for that field, or undefined when refused with BAD_VALUE. */
function encode(field: Field, value: string): Case | undefined {
  try {
    const lines = slurmDirectives(spec(field, value)).filter((l) => field.flags.some((f) => l.startsWith(`#SBATCH ${f}=`)));
    return { field, value, lines, want: expected(field, value) };
  } catch (e) {
    if (e instanceof BadValueError && e.code === 'BAD_VALUE') return undefined;
    throw e;
  }
}

const FOUND = /^sbatch: debug2: Found in script, argument "(.*)"$/;

/** The arguments the real sbatch reads from these #SBATCH lines. */
async function sbatchReads(lines: string[], name: string): Promise<string[]> {
  const file = join(root, `${name}.sh`);
  writeFileSync(file, `#!/bin/bash\n${lines.join('\n')}\ntrue\n`);
  const r = await run('sbatch', ['--test-only', '-vvv', file], { maxBuffer: 256 * 1024 * 1024 }).catch((e: { stderr?: string }) => ({ stderr: e.stderr ?? '' }));
  return r.stderr.split('\n').flatMap((l) => FOUND.exec(l)?.slice(1, 2) ?? []);
}

async function check(batch: Case[], tally: FuzzTally, name: string): Promise<void> {
  const lines = batch.flatMap((c) => c.lines);
  const got = await sbatchReads(lines, name);
  const want = batch.flatMap((c) => c.want);
  // the tokenizer model the unit tests use (encode.ts) must read what the real sbatch reads
  const model = lines.flatMap((l) => sbatchArguments(l.slice('#SBATCH'.length)));
  if (JSON.stringify(model) !== JSON.stringify(got)) tally.leak(`${name}: the model of sbatch's tokenizer differs from sbatch`);
  if (JSON.stringify(got) === JSON.stringify(want)) {
    tally.readBack += batch.length;
    return;
  }
  // something differs: find which case, one sbatch each
  for (const [i, c] of batch.entries()) {
    const one = await sbatchReads(c.lines, `${name}-${i}`);
    if (JSON.stringify(one) === JSON.stringify(c.want)) tally.readBack++;
    else tally.leak(`${c.field.key}=${JSON.stringify(c.value)} read as ${JSON.stringify(one)}`);
  }
}

describe('sbatch reads back every value the SLURM renderer writes (issue 11)', () => {
  const corpus = directiveCorpus(canary, { count: 10_000, seed: SEED });

  test('10 000 values x every directive field: read back exactly or refused; 0 leaks', async () => {
    const tally = new FuzzTally();
    const cases: Case[] = [];
    for (const value of corpus) {
      for (const field of FIELDS) {
        tally.cases++;
        const c = encode(field, value);
        if (!c) tally.refused++;
        else {
          tally.accepted++;
          cases.push(c);
        }
      }
    }
    const batches: Case[][] = [];
    for (let i = 0; i < cases.length; i += 400) batches.push(cases.slice(i, i + 400));
    await inParallel(batches.map((b, i) => [b, i] as const), 2, ([b, i]) => check(b, tally, `batch-${i}`));
    console.log(tally.summary('slurm (sbatch 22.05 tokenizer)', `seed=${SEED} values=${corpus.length} fields=${FIELDS.length}`));
    expect(tally.leaks).toEqual([]);
    expect(tally.leaked).toBe(0);
    expect(tally.readBack).toBe(tally.accepted);
    expect(tally.accepted).toBeGreaterThan(10_000);
    expect(existsSync(canary)).toBe(false);
  }, 300_000);

  test('held jobs: squeue shows every accepted job name byte for byte', async () => {
    const names = [...namedInjections(canary), ...corpus.slice(12, 400)].filter((v) => encode(FIELDS[0]!, v) !== undefined).slice(0, 120);
    const dir = join(root, 'held');
    mkdirSync(dir);
    const ids = new Map<string, string>();
    await inParallel(names.map((n, i) => [n, i] as const), 2, async ([name, i]) => {
      const file = join(dir, `held-${i}.sh`);
      writeFileSync(file, renderSlurmScript({ ...spec(FIELDS[0]!, name), jobDir: dir }));
      const r = await run('sbatch', ['-H', '--parsable', file]);
      ids.set(r.stdout.trim().split(';')[0]!, name);
    });
    try {
      const out = await run('squeue', ['--noheader', '--states=all', `--jobs=${[...ids.keys()].join(',')}`, '--format=%i|%j'], { maxBuffer: 64 * 1024 * 1024 });
      const seen = new Map(out.stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('|')), l.slice(l.indexOf('|') + 1)] as const));
      const wrong = [...ids].filter(([id, name]) => seen.get(id) !== name).map(([id, name]) => `${id}: ${JSON.stringify(name)} read as ${JSON.stringify(seen.get(id))}`);
      console.log(`[directive fuzz] slurm held jobs: submitted=${ids.size} readBack=${ids.size - wrong.length} leaked=${wrong.length}`);
      expect(wrong).toEqual([]);
      expect(ids.size).toBeGreaterThanOrEqual(100);
    } finally {
      await run('scancel', [...ids.keys()]);
    }
  }, 180_000);

  test('jobs named with the injections run: the canary is never created', async () => {
    const hostile = namedInjections(canary).filter((v) => encode(FIELDS[0]!, v) !== undefined);
    const ids: string[] = [];
    for (const [i, name] of hostile.entries()) {
      const dir = join(root, `run-${i}`, `it's $(touch ${canary}) \`touch ${canary}\``, 'jobs', 'j1');
      mkdirSync(dir, { recursive: true });
      const s = { ...spec(FIELDS[0]!, name), jobDir: dir, command: ['true'] };
      const file = join(root, `run-${i}.sh`);
      writeFileSync(file, renderSlurmScript(s));
      ids.push((await run('sbatch', ['--parsable', file])).stdout.trim().split(';')[0]!);
    }
    for (;;) {
      const q = await run('squeue', ['--noheader', `--jobs=${ids.join(',')}`, '--format=%i']).catch(() => ({ stdout: '' }));
      if (!q.stdout.trim()) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const states = await run('sacct', ['--noheader', '--parsable2', '--allocations', '--format=JobID,State', `--jobs=${ids.join(',')}`]);
    console.log(`[directive fuzz] slurm jobs run with hostile names: ${ids.length}; canary exists: ${existsSync(canary)}`);
    expect(states.stdout).toContain('COMPLETED');
    expect(existsSync(canary)).toBe(false);
  }, 180_000);
});
