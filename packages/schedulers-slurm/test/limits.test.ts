// SLURM's array limit from captured `scontrol show config` (fixtures/scontrol-show-config.txt, capture-slurm.sh).
import { describe, expect, test } from '@jest/globals';
import { parseSlurmLimits } from '../src/limits.js';
import { capture } from './fixture.js';

describe('SLURM limits', () => {
  test('MaxArraySize from the real scontrol show config is the most items of one array', () => {
    const c = capture('scontrol-show-config.txt');
    const size = Number(/^MaxArraySize\s*=\s*(\d+)/m.exec(c.stdout)![1]);
    expect(parseSlurmLimits([{ stdout: c.stdout, code: c.code }])).toEqual({ maxArrayItems: size, source: `scontrol show config: MaxArraySize = ${size}` });
  });

  test('a site default (1001), 0 (arrays disabled: one item per job), and a failed command (no limit known)', () => {
    const c = capture('scontrol-show-config.txt');
    const at = (n: string) => c.stdout.replace(/^MaxArraySize\s*=.*$/m, `MaxArraySize            = ${n}`);
    expect(parseSlurmLimits([{ stdout: at('1001'), code: 0 }]).maxArrayItems).toBe(1001);
    expect(parseSlurmLimits([{ stdout: at('0'), code: 0 }]).maxArrayItems).toBe(1);
    const failed = parseSlurmLimits([{ stdout: 'slurm_load_ctl_conf error: Unable to contact slurm controller (connect failure)', code: 1 }]);
    expect(failed.maxArrayItems).toBeUndefined();
    expect(failed.source).toContain('exit code 1');
  });
});
