// The smallest possible job: what a turnaround benchmark measures is Clustrix's overhead.
import { cluster } from '@clustrix/core';

export class Trivial {
  @cluster()
  async noop(): Promise<number> {
    return 1;
  }
}
