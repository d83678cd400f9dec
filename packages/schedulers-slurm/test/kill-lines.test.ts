// slurmstepd's kill lines, as SLURM's dialect gives them to core: they tell a memory or time-limit kill apart in a
// job's stderr when sacct's state cannot (a cgroup OOM kill can end FAILED; a step killed at its limit CANCELLED).
import { describe, expect, test } from '@jest/globals';
import { slurmDialect, SLURM_KILL_PATTERNS } from '@clustrix/schedulers-slurm';
import { killLine } from '@clustrix/core/scheduler';

describe("SLURM's kill lines", () => {
  test('the dialect gives its patterns to core', () => {
    expect(slurmDialect.killPatterns).toBe(SLURM_KILL_PATTERNS);
  });

  test.each([
    ['slurmstepd: error: Detected 1 oom_kill event in StepId=5.batch. Some of the step tasks have been OOM Killed.', 'oom_kill event in StepId=5.batch. Some of the step tasks have been OOM Killed.'],
    ['slurmstepd: error: Job 7 exceeded memory limit (1048576 > 524288), being killed', 'exceeded memory limit (1048576 > 524288), being killed'],
    ['slurmstepd: error: Step 7.0 exceeded job memory limit at some point.', 'exceeded job memory limit at some point.'],
  ])('memory: %s', (stderr, line) => {
    expect(killLine(SLURM_KILL_PATTERNS.memory, `working\n${stderr}\n`)).toBe(line);
    expect(killLine(SLURM_KILL_PATTERNS.time, stderr)).toBeUndefined();
  });

  test('time: the step cancelled at its limit (not a plain cancel)', () => {
    const line = 'slurmstepd: error: *** JOB 12 ON node1 CANCELLED AT 2026-11-29T03:29:10 DUE TO TIME LIMIT ***';
    expect(killLine(SLURM_KILL_PATTERNS.time, line)).toBe('*** JOB 12 ON node1 CANCELLED AT 2026-11-29T03:29:10 DUE TO TIME LIMIT ***');
    expect(killLine(SLURM_KILL_PATTERNS.time, 'slurmstepd: error: *** JOB 12 ON node1 CANCELLED AT 2026-11-29T03:29:10 ***')).toBeUndefined();
    expect(killLine(SLURM_KILL_PATTERNS.memory, line)).toBeUndefined();
  });
});
