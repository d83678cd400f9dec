// SGE's array limit from captured `qconf -sconf` (fixtures/qconf-sconf.txt, capture-sge.sh).
import { describe, expect, test } from '@jest/globals';
import { parseSgeLimits } from '../src/limits.js';
import { output } from './fixtures.js';

describe('SGE limits', () => {
  test('max_aj_tasks from the real qconf -sconf (not max_aj_instances, which caps tasks running at once)', () => {
    const o = output('qconf-sconf.txt');
    const size = Number(/^max_aj_tasks\s+(\d+)/m.exec(o.stdout)![1]);
    expect(size).not.toBe(Number(/^max_aj_instances\s+(\d+)/m.exec(o.stdout)![1]));
    expect(parseSgeLimits([o])).toEqual({ maxArrayItems: size, source: `qconf -sconf: max_aj_tasks ${size}` });
  });

  test('max_aj_tasks 0 is no limit; a failed command knows none', () => {
    const o = output('qconf-sconf.txt');
    expect(parseSgeLimits([{ ...o, stdout: o.stdout.replace(/^max_aj_tasks\s+\d+/m, 'max_aj_tasks                 0') }]).maxArrayItems).toBeUndefined();
    expect(parseSgeLimits([{ stdout: 'error: commlib error: got select error (Connection refused)', code: 1 }]).maxArrayItems).toBeUndefined();
  });
});
