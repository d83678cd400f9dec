import { describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type JobOptions } from '@clustrix/core';
import { normalizeResources, type BatchJobSpec } from '@clustrix/core/scheduler';
import { FLAVOURS, pbsDialect, pbsDirectives, qsubArgv, renderPbsScript } from '@clustrix/schedulers-pbs';

const DIR = '/home/u/.clustrix/jobs/20261129-000000-abcdef12';

function spec(options: JobOptions, extra: Partial<BatchJobSpec> = {}): BatchJobSpec {
  return {
    jobId: '20261129-000000-abcdef12',
    jobDir: DIR,
    command: ['node', '/home/u/.clustrix/runner/1/clustrix-runner.mjs', DIR],
    resources: normalizeResources(options, 'pbs'),
    label: 'Sim.run',
    profile: {},
    ...extra,
  };
}

const EVERY: JobOptions = {
  cpus: 4,
  memory: '4G',
  time: '1-12:00:00',
  gpus: 2,
  nodes: 2,
  tasksPerNode: 3,
  queue: 'gpu',
  account: 'proj-1',
  exclusive: true,
  jobName: 'my job',
  directives: ['-W depend=afterok:123'],
};

describe('PBS Pro job script', () => {
  test('every resource-model key becomes its #PBS directive: a select chunk, place, walltime; sorted and quoted', () => {
    expect(pbsDirectives(spec(EVERY), 'pbspro')).toEqual([
      "#PBS -A proj-1",
      '#PBS -N my_job',
      "#PBS -S /bin/bash",
      `#PBS -e ${DIR}/stderr`,
      "#PBS -k oed",
      "#PBS -l place=scatter:excl",
      "#PBS -l select=2:ncpus=12:mpiprocs=3:mem=4096mb:ngpus=2",
      "#PBS -l walltime=36:00:00",
      `#PBS -o ${DIR}/stdout`,
      "#PBS -q gpu",
      '#PBS -W depend=afterok:123',
    ]);
  });

  test('one node: cpus and memory in one chunk, exclusive is place=excl, no scatter', () => {
    const lines = pbsDirectives(spec({ cpus: 2, memory: 512, exclusive: true }), 'pbspro');
    expect(lines).toContain("#PBS -l select=1:ncpus=2:mem=512mb");
    expect(lines).toContain("#PBS -l place=excl");
    expect(lines.some((l) => l.includes('-n'))).toBe(false);
  });

  test('an array: -J 0-N%K, per-task files named by ^array_index^ (no redirect), the index from PBS_ARRAY_INDEX first', () => {
    const script = renderPbsScript(spec({}, { count: 200, concurrency: 8 }), 'pbspro');
    expect(script).toContain("#PBS -J 0-199%8");
    expect(script).toContain(`#PBS -o ${DIR}/logs/^array_index^.out`);
    expect(script).toContain(`#PBS -e ${DIR}/logs/^array_index^.err`);
    expect(script).toContain('i="${PBS_ARRAY_INDEX:-$PBS_ARRAYID}"');
    expect(script).toContain('export CLUSTRIX_ARRAY_INDEX="$i"');
    expect(script).not.toContain('exec >');
    expect(script).toContain(`printf '%s\\n' "$code" >'${DIR}'/exit_codes/"$i"`);
  });

  test('no concurrency cap when it does not limit anything', () => {
    expect(renderPbsScript(spec({}, { count: 4, concurrency: 4 }), 'pbspro')).toContain("#PBS -J 0-3\n");
  });

  test('a one-item array is a plain job with index 0 (PBS Pro refuses the range 0-0), its files named by PBS', () => {
    const script = renderPbsScript(spec({}, { count: 1 }), 'pbspro');
    expect(script).not.toContain('-J');
    expect(script).toContain('i=0\n');
    expect(script).toContain(`#PBS -e ${DIR}/logs/0.err`);
    expect(script).not.toContain('exec >');
    expect(script).toContain(`printf '%s\\n' "$code" >'${DIR}'/exit_codes/"$i"`);
  });
});

describe('Torque job script', () => {
  test('every resource-model key: nodes=N:ppn=C:gpus=G:properties, the job-wide mem, -n for exclusive', () => {
    expect(pbsDirectives(spec({ ...EVERY, constraint: 'bigmem&ib' }), 'torque')).toEqual([
      "#PBS -A proj-1",
      '#PBS -N my_job',
      "#PBS -S /bin/bash",
      `#PBS -e ${DIR}/stderr`,
      "#PBS -l mem=8192mb",
      "#PBS -l nodes=2:ppn=12:gpus=2:bigmem:ib",
      "#PBS -l walltime=36:00:00",
      '#PBS -n',
      `#PBS -o ${DIR}/stdout`,
      "#PBS -q gpu",
      '#SBATCH --export=NONE',
      '#PBS -W depend=afterok:123',
    ]);
  });

  test('an array: -t 0-N%K; the script redirects each task into logs/<i>.*, the index from PBS_ARRAYID first', () => {
    const script = renderPbsScript(spec({}, { count: 5, concurrency: 2 }), 'torque');
    expect(script).toContain("#PBS -t 0-4%2");
    expect(script).toContain(`#PBS -o ${DIR}/logs/pbs.out`);
    expect(script).toContain('i="${PBS_ARRAYID:-$PBS_ARRAY_INDEX}"');
    expect(script).toContain(`exec >'${DIR}'/logs/"$i".out 2>'${DIR}'/logs/"$i".err`);
    expect(script.indexOf('export CLUSTRIX_ARRAY_INDEX')).toBeLessThan(script.indexOf('exec >'));
  });

  test('a constraint that is not plain words is refused, naming the key', () => {
    expect(() => pbsDirectives(spec({ constraint: 'a|b' }), 'torque')).toThrow(ConfigError);
    expect(() => pbsDirectives(spec({ constraint: 'a|b' }), 'torque')).toThrow(/`constraint: "a\|b"`: Torque takes node properties/);
  });
});

describe('both flavours', () => {
  test.each(['pbspro', 'torque'] as const)('%s: qsub gets -o/-e on its command line too, and never the job name', (flavour) => {
    const s = spec({ jobName: 'a b; rm -rf ~' });
    expect(qsubArgv(`${DIR}/job.sh`, s, flavour)).toEqual(['qsub', '-o', `${DIR}/stdout`, '-e', `${DIR}/stderr`, `${DIR}/job.sh`]);
    expect(pbsDirectives(s, flavour)[0]).toBe("#PBS -N a_b__rm_-rf__");
  });

  test.each(['pbspro', 'torque'] as const)('%s: a job folder a front end would mangle is refused before qsub runs', (flavour) => {
    const s = spec({}, { jobDir: '/home/u/my jobs/x' });
    expect(() => renderPbsScript(s, flavour)).toThrow(ConfigError);
    expect(() => qsubArgv('/home/u/my jobs/x/job.sh', s, flavour)).toThrow(/cannot be given to qsub -o\/-e.*Set `remoteRoot`/);
  });

  test('job names are made safe for every PBS: letters first, no spaces or shell characters, at most 230 characters', () => {
    expect(pbsDirectives(spec({ jobName: "it's $(id)" }), 'pbspro')[0]).toBe("#PBS -N it_s___id_");
    expect(pbsDirectives(spec({ jobName: '42-run' }), 'torque')[0]).toBe("#PBS -N j42-run");
    expect(pbsDirectives(spec({ jobName: 'x'.repeat(300) }), 'pbspro')[0]).toBe(`#PBS -N ${'x'.repeat(230)}`);
  });

  test('a typed GPU request is refused with what to write instead', () => {
    expect(() => pbsDirectives(spec({ gpus: 'a100:2' }), 'pbspro')).toThrow(/PBS has no standard GPU type\. Ask for a count \(`gpus: 2`\)/);
  });

  test('env never appears in the script', () => {
    for (const flavour of ['pbspro', 'torque'] as const) {
      const s = renderPbsScript(spec({ env: { API_TOKEN: 'secret-value' } }), flavour);
      expect(s).not.toContain('secret-value');
      expect(s).not.toContain('API_TOKEN');
    }
  });

  test('the keys each flavour cannot honour are left out of supports (core refuses them before submission)', () => {
    expect(FLAVOURS.pbspro.supports.has('qos')).toBe(false);
    expect(FLAVOURS.pbspro.supports.has('constraint')).toBe(false);
    expect(FLAVOURS.torque.supports.has('qos')).toBe(false);
    expect(FLAVOURS.torque.supports.has('constraint')).toBe(true);
    expect(pbsDialect('torque').arrayIndex).toEqual({ env: 'CLUSTRIX_ARRAY_INDEX', base: 0 });
  });

  test('status is ONE qstat -f for every id; -x only for PBS Pro, -t only when an id is a real PBS array', () => {
    expect(pbsDialect('pbspro').statusArgv(['1.s', '2[].s'])).toEqual([['qstat', '-f', '-x', '-t', '1.s', '2[].s']]);
    expect(pbsDialect('pbspro').statusArgv(['1.s'])).toEqual([['qstat', '-f', '-x', '1.s']]);
    expect(pbsDialect('torque').statusArgv(['9766', '9767'])).toEqual([['qstat', '-f', '9766', '9767']]);
    expect(pbsDialect('torque').cancelArgv(['9766', '1[].s'])).toEqual(['qdel', '9766', '1[].s']);
  });
});

describe('the rendered body, run by bash as PBS would', () => {
  const root = mkdtempSync(join(tmpdir(), 'clustrix-pbs-body-'));

  function run(flavour: 'pbspro' | 'torque', env: Record<string, string>, count = 4) {
    const dir = mkdtempSync(join(root, 'job-'));
    for (const d of ['logs', 'exit_codes']) mkdirSync(join(dir, d));
    const s = spec({}, { jobDir: dir, count, command: ['sh', '-c', 'echo "index=$CLUSTRIX_ARRAY_INDEX"; exit 3'] });
    const file = join(dir, 'job.sh');
    writeFileSync(file, renderPbsScript(s, flavour));
    const r = spawnSync('bash', [file], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8' });
    return { dir, ...r };
  }

  test.each([
    ['torque', { PBS_ARRAYID: '2' }],
    ['torque', { PBS_ARRAY_INDEX: '2' }], // SLURM's Torque wrappers
    ['pbspro', { PBS_ARRAY_INDEX: '2' }],
  ] as const)('%s with %j: the runner sees index 2 and the exit code lands in exit_codes/2', (flavour, env) => {
    const r = run(flavour, env);
    expect(r.status).toBe(3);
    const out = flavour === 'torque' ? readFileSync(join(r.dir, 'logs/2.out'), 'utf8') : r.stdout;
    expect(out).toBe('index=2\n');
    expect(readFileSync(join(r.dir, 'exit_codes/2'), 'utf8')).toBe('3\n');
  });

  test('an array task without an index stops with a message instead of running item ""', () => {
    const r = run('torque', {});
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('clustrix: this array task has no index in PBS_ARRAYID or PBS_ARRAY_INDEX');
    expect(execFileSync('ls', [join(r.dir, 'exit_codes')], { encoding: 'utf8' })).toBe('');
  });
});
