// The listener set used by the schedulers' `subscribe`: add/remove, emit in order, one listener's error does not stop the rest.
import { describe, expect, test } from '@jest/globals';
import { ListenerSet } from '../src/util/listeners.js';

describe('ListenerSet', () => {
  test('emit calls every listener in the order added, with the arguments', () => {
    const set = new ListenerSet<[string]>();
    const calls: string[] = [];
    set.add((x) => calls.push(`first ${x}`));
    set.add((x) => calls.push(`second ${x}`));
    set.emit('a');
    expect(calls).toEqual(['first a', 'second a']);
    expect(set.size).toBe(2);
  });

  test('the function add returns removes that listener only, and twice is harmless', () => {
    const set = new ListenerSet();
    const calls: string[] = [];
    const offA = set.add(() => calls.push('a'));
    set.add(() => calls.push('b'));
    offA();
    offA();
    set.emit();
    expect(calls).toEqual(['b']);
    expect(set.size).toBe(1);
  });

  test('a listener that throws is reported and the others are still called', () => {
    const errors: unknown[] = [];
    const set = new ListenerSet((e) => errors.push(e));
    const calls: string[] = [];
    set.add(() => calls.push('before'));
    set.add(() => {
      throw new Error('boom');
    });
    set.add(() => calls.push('after'));
    set.emit();
    expect(calls).toEqual(['before', 'after']);
    expect(errors).toEqual([new Error('boom')]);
  });

  test('a listener removed during an emit still gets that emit; one added during it waits for the next', () => {
    const set = new ListenerSet();
    const calls: string[] = [];
    let offB: () => void = () => undefined;
    set.add(() => {
      calls.push('a');
      offB();
      set.add(() => calls.push('late'));
    });
    offB = set.add(() => calls.push('b'));
    set.emit();
    expect(calls).toEqual(['a', 'b']);
    calls.length = 0;
    set.emit();
    expect(calls).toEqual(['a', 'late']);
  });

  test('without an error handler a throwing listener does not escape emit', () => {
    const set = new ListenerSet();
    set.add(() => {
      throw new Error('quiet');
    });
    expect(() => set.emit()).not.toThrow();
  });
});
