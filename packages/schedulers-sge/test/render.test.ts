import { describe, expect, test } from '@jest/globals';
import { ConfigError, type JobOptions } from '@clustrix/core';
import { RESOURCE_KEYS, normalizeResources, type BatchJobSpec } from '@clustrix/core/scheduler';
import { renderSgeScript, scheduler, sgeClock, sgeDialect, sgeDirectives } from '@clustrix/schedulers-sge';

const DIR = '/home/u/.clustrix/jobs/20261129-000000-abcdef12';

function spec(options: JobOptions, extra: Partial<BatchJobSpec> = {}): BatchJobSpec {
  return {
    jobId: '20261129-000000-abcdef12',
    jobDir: DIR,
    command: ['node', '/home/u/.clustrix/runner/1/clustrix-runner.mjs', DIR],
    resources: normalizeResources(options),
    label: 'Sim.run',
    profile: {},
    ...extra,
  };
}

describe('SGE job script', () => {
  test('every supported key becomes its #$ directive, one per line, sorted; memory per slot', () => {
    const lines = sgeDirectives(
      spec({ cpus: 4, memory: '8G', time: '1-12:00:30', queue: 'all.q@node1', account: 'proj-1', jobName: 'my-job', directives: ['-P physics'] }),
    );
    expect(lines).toEqual([
      "#$ -A 'proj-1'",
      "#$ -N 'my-job'",
      '#$ -S /bin/bash',
      `#$ -e '${DIR}/stderr'`,
      '#$ -l h_rt=36:00:30',
      '#$ -l h_vmem=2048M',
      `#$ -o '${DIR}/stdout'`,
      '#$ -pe smp 4',
      "#$ -q 'all.q@node1'",
      '#$ -w e',
      `#$ -wd '${DIR}'`,
      '#$ -P physics',
    ]);
  });

  test('profile keys: parallel environment, memory complex, memory for the whole job', () => {
    const lines = sgeDirectives(spec({ cpus: 2, memory: '3G' }, { profile: { parallelEnvironment: 'threads', memoryResource: 'mem_free', memoryPerSlot: false } }));
    expect(lines).toContain('#$ -pe threads 2');
    expect(lines).toContain('#$ -l mem_free=3072M');
  });

  test('requests no queue could ever satisfy are rejected at submission (-w e) unless verifyRequests is false', () => {
    expect(sgeDirectives(spec({}))).toContain('#$ -w e');
    expect(sgeDirectives(spec({}, { profile: { verifyRequests: false } }))).not.toContain('#$ -w e');
  });

  test('one CPU asks for no parallel environment', () => {
    expect(sgeDirectives(spec({ cpus: 1 })).some((l) => l.startsWith('#$ -pe'))).toBe(false);
  });

  test('an array: -t 1-N and -tc K, 0-based index from SGE_TASK_ID, the script redirects each task to logs/<index>', () => {
    const script = renderSgeScript(spec({}, { count: 200, concurrency: 8 }));
    expect(script).toContain('#$ -t 1-200');
    expect(script).toContain('#$ -tc 8');
    expect(script).toContain(`#$ -o '${DIR}/logs/sge.out'`);
    expect(script).toContain(`#$ -e '${DIR}/logs/sge.err'`);
    expect(script).toContain('i=$((SGE_TASK_ID - 1))');
    expect(script).toContain(`exec >'${DIR}'/logs/"$i".out 2>'${DIR}'/logs/"$i".err`);
    expect(script).toContain(`printf '%s\\n' "$code" >'${DIR}'/exit_codes/"$i"`);
    expect(sgeDialect.arrayIndex).toEqual({ env: 'SGE_TASK_ID', base: 1 });
  });

  test('a single job: SGE writes stdout/stderr itself, the body records the exit code', () => {
    const script = renderSgeScript(spec({ modules: ['nodejs/20'], setup: ['source ~/env.sh'] }));
    expect(script.split('\n').filter((l) => !l.startsWith('#'))).toEqual([
      "module load 'nodejs/20'",
      'source ~/env.sh',
      `cd '${DIR}' || exit 1`,
      `'node' '/home/u/.clustrix/runner/1/clustrix-runner.mjs' '${DIR}'`,
      'code=$?',
      `printf '%s\\n' "$code" >'${DIR}'/exit_code`,
      'exit "$code"',
      '',
    ]);
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
  });

  test('h_rt as H:MM:SS', () => {
    expect(sgeClock(5)).toBe('0:00:05');
    expect(sgeClock(90 * 60)).toBe('1:30:00');
    expect(sgeClock(3 * 86400 + 1)).toBe('72:00:01');
  });

  test("memory Node cannot start under (h_vmem is an address-space limit) is refused, naming the value", () => {
    const err = (() => {
      try {
        sgeDirectives(spec({ memory: '512M' }));
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.keyPath).toBe('memory');
    expect(err.message).toMatch(/^\[clustrix\] \[sge\] `memory` 512M is too small for SGE's h_vmem: it limits the job's address space/);
    expect(err.message).toMatch(/Ask for at least 1024M, or set the profile key `memoryResource`/);
    // 2 slots x 600M = 1200M of address space: fine; mem_free limits nothing: fine
    expect(sgeDirectives(spec({ memory: '1200M', cpus: 2 }))).toContain('#$ -l h_vmem=600M');
    expect(sgeDirectives(spec({ memory: '256M' }, { profile: { memoryResource: 'mem_free' } }))).toContain('#$ -l mem_free=256M');
  });

  test("values SGE's #$ parser cannot carry are refused before submission; the rest stays literal", () => {
    expect(() => sgeDirectives(spec({ jobName: "it's" }))).toThrow(/`jobName` "it's" cannot contain U\+0027 \(\'\) \(at position 2\)/);
    expect(() => sgeDirectives(spec({ jobName: 'my job' }))).toThrow(/without spaces/);
    expect(() => sgeDirectives(spec({ jobName: '1st' }))).toThrow(/do not start with a digit/);
    expect(() => sgeDirectives(spec({ queue: 'a#b' }))).toThrow(/`queue` "a#b" cannot contain U\+0023 \(#\).*a #/);
    expect(() => sgeDirectives(spec({ account: 'x"y' }))).toThrow(/`account`/);
    expect(() => sgeDirectives(spec({ account: 'proj 1' }))).toThrow(/`account` "proj 1" cannot contain U\+0020 .*SGE refuses whitespace in it/);
    expect(() => sgeDirectives(spec({}, { jobDir: '/home/$USER/jobs/1' }))).toThrow(/`remoteRoot` .* choose a remoteRoot without them/);
    expect(() => sgeDirectives(spec({}, { jobDir: '/a:b/1' }))).toThrow(/`remoteRoot`/);
    const s = renderSgeScript(spec({ jobName: 'a$(touch_x)`id`' }, { jobDir: '/tmp/a b' }));
    expect(s).toContain("#$ -N 'a$(touch_x)`id`'");
    expect(s).toContain("#$ -wd '/tmp/a b'");
    expect(s).toContain("cd '/tmp/a b' || exit 1");
  });

  test('the default name is the label, made acceptable to SGE', () => {
    expect(sgeDirectives(spec({}))).toContain("#$ -N 'Sim.run'");
    expect(sgeDirectives(spec({}, { label: '9 lives/run' }))).toContain("#$ -N 'j9_lives_run'");
  });

  test('env never appears in the script', () => {
    const s = renderSgeScript(spec({ env: { API_TOKEN: 'secret-value' } }));
    expect(s).not.toContain('secret-value');
    expect(s).not.toContain('API_TOKEN');
  });

  test('keys SGE cannot honour are not in `supports` (core refuses them before submission)', () => {
    const unsupported = RESOURCE_KEYS.filter((k) => !sgeDialect.supports.has(k)).sort();
    expect(unsupported).toEqual(['constraint', 'exclusive', 'gpus', 'nodes', 'qos', 'tasksPerNode']);
    expect(Object.keys(scheduler.optionsShape ?? {}).sort()).toEqual(['accountingWaitMs', 'memoryPerSlot', 'memoryResource', 'parallelEnvironment', 'verifyRequests']);
  });

  test('profile keys are validated: a PE name that is not an SGE name is refused', () => {
    const shape = scheduler.optionsShape!;
    expect(shape.parallelEnvironment!.safeParse('smp').success).toBe(true);
    expect(shape.parallelEnvironment!.safeParse('smp 4').success).toBe(false);
    expect(shape.memoryResource!.safeParse('h_vmem').success).toBe(true);
    expect(shape.memoryResource!.safeParse('h_vmem=1G').success).toBe(false);
  });
});
