// The CPU-slot queue shared by the local and ssh schedulers: FIFO order, the CPU limit, a job's concurrency,
// cancel of a queued task, release when a task ends or fails to start. Asserted from the order of starts and
// releases (a log of events), never from the clock.
import { describe, expect, test } from '@jest/globals';
import { SlotQueue, type SlotJob } from '../src/scheduler/slot-queue.js';

interface Item {
  name: string;
  job: SlotJob;
}

const job = (cpus: number, concurrency = Number.POSITIVE_INFINITY): SlotJob => ({ cpus, concurrency });
const items = (prefix: string, j: SlotJob, n: number): Item[] => Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i}`, job: j }));

/** A queue whose starts and releases are written to `events`, like a scheduler using it. */
function harness(capacity: number) {
  const queue = new SlotQueue<Item>(capacity);
  const events: string[] = [];
  const running = new Set<Item>();
  let mostCpus = 0;
  const pump = (): void => {
    for (const item of queue.take()) {
      running.add(item);
      events.push(`start ${item.name}`);
      mostCpus = Math.max(mostCpus, queue.used);
    }
  };
  const end = (item: Item): void => {
    running.delete(item);
    queue.release(item);
    events.push(`end ${item.name}`);
    pump();
  };
  return { queue, events, running, pump, end, mostCpus: () => mostCpus };
}

describe('SlotQueue', () => {
  test('starts tasks in the order they were queued, as many as the CPUs allow', () => {
    const h = harness(2);
    for (const item of items('a', job(1), 4)) h.queue.enqueue(item);
    h.pump();
    expect(h.events).toEqual(['start a0', 'start a1']);
    expect([h.queue.used, h.queue.queued]).toEqual([2, 2]);
    while (h.running.size) h.end([...h.running][0]!);
    expect(h.events).toEqual(['start a0', 'start a1', 'end a0', 'start a2', 'end a1', 'start a3', 'end a2', 'end a3']);
    expect(h.mostCpus()).toBe(2);
    expect([h.queue.used, h.queue.queued]).toEqual([0, 0]);
  });

  test('a job never has more than `concurrency` tasks holding slots; tasks of other jobs pass it', () => {
    const h = harness(4);
    const capped = job(1, 1);
    for (const item of items('c', capped, 3)) h.queue.enqueue(item);
    for (const item of items('o', job(1), 2)) h.queue.enqueue(item);
    h.pump();
    expect(h.events).toEqual(['start c0', 'start o0', 'start o1']);
    expect(h.queue.running(capped)).toBe(1);
    h.end([...h.running].find((i) => i.name === 'c0')!);
    expect(h.events.slice(3)).toEqual(['end c0', 'start c1']);
    expect(h.queue.running(capped)).toBe(1);
  });

  test('a task whose CPUs do not fit is not overtaken by smaller ones behind it', () => {
    const h = harness(4);
    const [small] = items('s', job(2), 1);
    const [big] = items('b', job(4), 1);
    const [tiny] = items('t', job(1), 1);
    for (const item of [small!, big!, tiny!]) h.queue.enqueue(item);
    h.pump();
    expect(h.events).toEqual(['start s0']); // t0 would fit beside s0, but b0 is first in line
    h.end(small!);
    expect(h.events).toEqual(['start s0', 'end s0', 'start b0']);
    h.end(big!);
    expect(h.events.slice(3)).toEqual(['end b0', 'start t0']);
  });

  test('cancel of a queued task: it never starts, the rest keep their order', () => {
    const h = harness(1);
    const [first, second, third] = items('q', job(1), 3);
    for (const item of [first!, second!, third!]) h.queue.enqueue(item);
    h.pump();
    expect(h.queue.remove(second!)).toBe(true);
    expect(h.queue.remove(second!)).toBe(false); // no longer waiting
    expect(h.queue.remove(first!)).toBe(false); // started: not the queue's to cancel
    h.end(first!);
    h.end(third!);
    expect(h.events).toEqual(['start q0', 'end q0', 'start q2', 'end q2']);
  });

  test('a task that fails to start gives its slot back and the next one starts', () => {
    const queue = new SlotQueue<Item>(1);
    const [broken, next] = items('f', job(1), 2);
    queue.enqueue(broken!);
    queue.enqueue(next!);
    const events: string[] = [];
    for (let batch = queue.take(); batch.length; batch = queue.take()) {
      for (const item of batch) {
        if (item === broken) {
          queue.release(item); // what a scheduler does when the start throws
          events.push(`failed ${item.name}`);
        } else events.push(`start ${item.name}`);
      }
    }
    expect(events).toEqual(['failed f0', 'start f1']);
    expect([queue.used, queue.running(broken!.job)]).toEqual([1, 1]);
  });

  test('release is once per start: a second release of the same task frees nothing', () => {
    const h = harness(2);
    const all = items('r', job(1), 4);
    for (const item of all) h.queue.enqueue(item);
    h.pump();
    h.end(all[0]!);
    h.queue.release(all[0]!);
    expect(h.queue.used).toBe(2); // r1 and r2 hold the two CPUs
    expect(h.queue.take()).toEqual([]); // so r3 still waits
    expect(h.queue.queued).toBe(1);
  });

  test('putBack: started tasks go back to the head of the queue in their order, their slots freed', () => {
    const queue = new SlotQueue<Item>(2);
    const all = items('p', job(1), 3);
    for (const item of all) queue.enqueue(item);
    const started = queue.take();
    expect(started.map((i) => i.name)).toEqual(['p0', 'p1']);
    queue.putBack(started);
    expect([queue.used, queue.queued]).toEqual([0, 3]);
    expect(queue.take().map((i) => i.name)).toEqual(['p0', 'p1']);
  });
});
