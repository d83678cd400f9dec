// Telling PBS Pro/OpenPBS from Torque by `qstat --version`, on the captured answers of the real OpenPBS
// server and of SLURM's Torque wrappers (fixtures/openpbs/qstat-version*.txt).
import { describe, expect, test } from '@jest/globals';
import { detectFlavour, flavourFromVersion } from '@clustrix/schedulers-pbs';
import { fixture } from './fixture.js';

describe('flavour detection', () => {
  test('OpenPBS prints pbs_version = X: pbspro', () => {
    expect(flavourFromVersion(fixture('openpbs/qstat-version.txt').merged)).toEqual({ flavour: 'pbspro', description: 'OpenPBS/PBS Professional 23.06.06' });
  });

  test("SLURM's Torque wrappers refuse the option: torque", () => {
    const f = fixture('openpbs/qstat-version-torque-wrappers.txt');
    expect(f.code).not.toBe(0);
    expect(flavourFromVersion(f.merged)).toEqual({ flavour: 'torque', description: "SLURM's Torque wrappers, whose qstat has no --version" });
  });

  test("real Torque's `Version: X` (its documented answer): torque; anything else: no answer", () => {
    expect(flavourFromVersion('Version: 6.1.3\nCommit: 0e2fa7a\n')).toEqual({ flavour: 'torque', description: 'Torque 6.1.3' });
    expect(flavourFromVersion('sh: 1: qstat: not found\n')).toBeUndefined();
  });

  test("the profile's flavour wins and nothing is asked", async () => {
    const noTransport = undefined as never; // any exec on it would throw
    await expect(detectFlavour(noTransport, 'torque')).resolves.toEqual({ flavour: 'torque', source: 'profile', description: "torque (set by the profile's `flavour`)" });
  });

  test('no answer: the default flavour, assumed, saying what qstat said and what to set', async () => {
    const transport = { exec: async () => ({ stdout: '', stderr: 'bash: line 1: qstat: command not found\n', code: 127 }) } as never;
    const d = await detectFlavour(transport, undefined);
    expect(d).toMatchObject({ flavour: 'pbspro', source: 'assumed' });
    expect(d.description).toBe('pbspro (assumed: `qstat --version` said "bash: line 1: qstat: command not found"; set `flavour` in the profile)');
  });
});
