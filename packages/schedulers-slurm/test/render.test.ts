import { describe, expect, test } from '@jest/globals';
import type { JobOptions } from '@clustrix/core';
import { normalizeResources, type BatchJobSpec } from '@clustrix/core/scheduler';
import { renderSlurmScript, slurmDirectives } from '@clustrix/schedulers-slurm';
import { sbatchArguments } from '../src/encode.js';

function spec(options: JobOptions, extra: Partial<BatchJobSpec> = {}): BatchJobSpec {
  return {
    jobId: '20261129-000000-abcdef12',
    jobDir: '/home/u/.clustrix/jobs/20261129-000000-abcdef12',
    command: ['node', '/home/u/.clustrix/runner/1/clustrix-runner.mjs', '/home/u/.clustrix/jobs/20261129-000000-abcdef12'],
    resources: normalizeResources(options),
    label: 'Sim.run',
    profile: {},
    ...extra,
  };
}

describe('SLURM job script', () => {
  test('every resource-model key becomes its #SBATCH directive, sorted and quoted', () => {
    const lines = slurmDirectives(
      spec({
        cpus: 4,
        memory: '4G',
        time: '1-12:00:00',
        gpus: 'a100:2',
        nodes: 2,
        tasksPerNode: 3,
        partition: 'gpu',
        account: 'proj-1',
        qos: 'high',
        constraint: 'skylake&ib',
        exclusive: true,
        jobName: 'my job',
        directives: ['--reservation=big'],
      }),
    );
    // compared with what sbatch's tokenizer reads (the model is checked against the real sbatch in directive-fuzz.cluster.test.ts)
    expect(lines.map((l) => sbatchArguments(l.slice('#SBATCH'.length)))).toEqual([
      ['--account=proj-1'],
      ['--chdir=/home/u/.clustrix/jobs/20261129-000000-abcdef12'],
      ['--constraint=skylake&ib'],
      ['--cpus-per-task=4'],
      ['--error=/home/u/.clustrix/jobs/20261129-000000-abcdef12/stderr'],
      ['--exclusive'],
      ['--export=NONE'],
      ['--gres=gpu:a100:2'],
      ['--job-name=my job'],
      ['--mem=4096M'],
      ['--nodes=2'],
      ['--ntasks-per-node=3'],
      ['--open-mode=append'],
      ['--output=/home/u/.clustrix/jobs/20261129-000000-abcdef12/stdout'],
      ['--partition=gpu'],
      ['--qos=high'],
      ['--time=1-12:00:00'],
      ['--reservation=big'],
    ]);
  });

  test('an array: --array=0-N%K, per-task logs, the index from SLURM_ARRAY_TASK_ID, an exit-code file per task', () => {
    const script = renderSlurmScript(spec({}, { count: 200, concurrency: 8 }));
    expect(script).toContain('#SBATCH --array=0-199%8');
    expect(script).toContain('#SBATCH --output=/home/u/.clustrix/jobs/20261129-000000-abcdef12/logs/%a.out');
    expect(script).toContain('i="$SLURM_ARRAY_TASK_ID"');
    expect(script).toContain(`printf '%s\\n' "$code" >'/home/u/.clustrix/jobs/20261129-000000-abcdef12'/exit_codes/"$i"`);
  });

  test('the body loads modules, runs setup, starts the runner and records the exit code', () => {
    const script = renderSlurmScript(spec({ modules: ['nodejs/20'], setup: ['source ~/env.sh'] }));
    const body = script.split('\n').filter((l) => !l.startsWith('#'));
    expect(body).toEqual([
      "module load 'nodejs/20'",
      'source ~/env.sh',
      "cd '/home/u/.clustrix/jobs/20261129-000000-abcdef12' || exit 1",
      "'node' '/home/u/.clustrix/runner/1/clustrix-runner.mjs' '/home/u/.clustrix/jobs/20261129-000000-abcdef12'",
      'code=$?',
      `printf '%s\\n' "$code" >'/home/u/.clustrix/jobs/20261129-000000-abcdef12'/exit_code`,
      'exit "$code"',
      '',
    ]);
  });

  test('hostile values stay literal: quotes, $(...), backticks; % doubled in file names', () => {
    const s = renderSlurmScript(spec({ jobName: `it's $(touch /tmp/x) \`id\`` }, { jobDir: '/tmp/a b%j' }));
    const read = (flag: string) => s.split('\n').filter((l) => l.startsWith(`#SBATCH ${flag}=`)).map((l) => sbatchArguments(l.slice(8)));
    expect(read('--job-name')).toEqual([["--job-name=it's $(touch /tmp/x) `id`"]]);
    expect(read('--output')).toEqual([['--output=/tmp/a b%%j/stdout']]);
    expect(s).toContain("cd '/tmp/a b%j' || exit 1");
  });

  test('env never appears in the script', () => {
    const s = renderSlurmScript(spec({ env: { API_TOKEN: 'secret-value' } }));
    expect(s).not.toContain('secret-value');
    expect(s).not.toContain('API_TOKEN');
  });

  test('a newline in a directive or job name is refused before anything is written', () => {
    expect(() => spec({ directives: ['--x\n#SBATCH --y'] })).toThrow(/`directives\[0\]` .* cannot contain U\+000A \(LF \(newline\)\)/);
    expect(() => spec({ jobName: 'a\nb' })).toThrow(/`jobName` .* cannot contain U\+000A/);
  });

  test('partition and queue are one key', () => {
    expect(slurmDirectives(spec({ queue: 'short' }))).toContain('#SBATCH --partition=short');
    expect(() => spec({ queue: 'a', partition: 'b' })).toThrow(/set only one/);
  });
});
