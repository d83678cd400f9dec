/**
 * A small real workload: estimate π by throwing random points at a unit square, split across
 * parallel `@cluster` calls. The class lives in its own module so that a cluster node can import it
 * without running the demo script.
 */
import { cluster, jobEnvironment } from '@clustrix/core';

export class InputError extends Error {
  constructor(
    message: string,
    readonly value: number,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

export interface Estimate {
  inside: number;
  samples: number;
  pid: number;
  host: string;
}

export class PiEstimator {
  constructor(readonly samplesPerCall: number) {}

  /** Count random points inside the quarter circle; a seeded generator makes it reproducible. */
  @cluster({ time: '5m' })
  async sample(seed: number): Promise<Estimate> {
    if (!Number.isInteger(seed) || seed < 0) throw new InputError(`seed must be a non-negative integer, got ${seed}`, seed);
    let state = seed * 2654435761 + 1;
    const next = () => {
      // xorshift32
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 4294967296;
    };
    let inside = 0;
    for (let i = 0; i < this.samplesPerCall; i++) {
      const x = next();
      const y = next();
      if (x * x + y * y <= 1) inside++;
    }
    return { inside, samples: this.samplesPerCall, pid: process.pid, host: jobEnvironment()?.hostname ?? 'here' };
  }

  @cluster()
  static async describe(): Promise<string> {
    return `node ${process.version} in job ${jobEnvironment()?.jobId ?? '(not a job)'}`;
  }
}
