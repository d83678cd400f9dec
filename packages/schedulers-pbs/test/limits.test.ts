// PBS's array limit from captured `qmgr -c 'list server'` of OpenPBS (fixtures/openpbs/qmgr-list-server.txt, capture-openpbs.sh).
import { describe, expect, test } from '@jest/globals';
import { parsePbsLimits } from '../src/limits.js';
import { fixture } from './fixture.js';

describe('PBS limits', () => {
  test("OpenPBS: max_array_size from the real qmgr -c 'list server'", () => {
    const c = fixture('openpbs/qmgr-list-server.txt');
    const size = Number(/max_array_size = (\d+)/.exec(c.stdout)![1]);
    expect(parsePbsLimits('pbspro', [{ stdout: c.stdout, code: c.code }])).toEqual({ maxArrayItems: size, source: `qmgr -c 'list server': max_array_size = ${size}` });
  });

  test("Torque reads only its own max_job_array_size: another server's max_array_size says nothing about it", () => {
    const c = fixture('openpbs/qmgr-list-server.txt');
    expect(parsePbsLimits('torque', [{ stdout: c.stdout, code: c.code }]).maxArrayItems).toBeUndefined();
    const torque = c.stdout.replace(/max_array_size = \d+/, 'max_job_array_size = 1024');
    expect(parsePbsLimits('torque', [{ stdout: torque, code: 0 }]).maxArrayItems).toBe(1024);
    expect(parsePbsLimits('pbspro', [{ stdout: 'qmgr: command not found', code: 127 }]).maxArrayItems).toBeUndefined();
  });
});
