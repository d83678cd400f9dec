/** The method the soak calls (its own module: the bundle ships it to the cluster). */
import { cluster } from '@clustrix/core';

export class SoakWork {
  /** Work for `ms`, then return a value only this call id gives (checked by the soak). */
  @cluster()
  async item(id: number, ms: number): Promise<{ id: number; v: number }> {
    await new Promise((r) => setTimeout(r, ms));
    return { id, v: id * 7 + 3 };
  }
}
