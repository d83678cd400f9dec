// The jobs of `pnpm bench:data`: bytes in, bytes (or a summary) out.
import { cluster } from '@clustrix/core';

export class BytesEcho {
  @cluster()
  async echo(values: Float64Array): Promise<Float64Array> {
    return values;
  }

  /** A large argument, a small result: what the `--big` run sends. */
  @cluster()
  async summary(values: Float64Array): Promise<{ length: number; first: number; last: number }> {
    return { length: values.length, first: values[0] ?? NaN, last: values[values.length - 1] ?? NaN };
  }
}
