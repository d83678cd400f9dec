/**
 * Type-level tests of `@cluster`, checked by `pnpm typecheck` (tsc -p packages/core/test/types): ts-jest only
 * transpiles, so a `@ts-expect-error` in a jest file is never checked. Each `@ts-expect-error` below fails the
 * type-check if the error it expects goes away; each undecorated line fails it if a spurious error appears.
 */
import { cluster } from '@clustrix/core';

export class Generic {
  // generic methods keep their signature (this used to fail with TS1270)
  @cluster()
  async echo<T>(x: T): Promise<T> {
    return x;
  }

  @cluster({ time: '1m' })
  static async pair<A, B>(a: A, b: B): Promise<[A, B]> {
    return [a, b];
  }

  @cluster
  async bare(n: number): Promise<number> {
    return n + 1;
  }

  // @ts-expect-error -- `cpu` is not an option (one error: the unknown key; no TS1270 beside it)
  @cluster({ cpu: 2 })
  async badOption(n: number): Promise<number> {
    return n;
  }
}

export class NotAsync {
  // @ts-expect-error -- a remote call is awaited: the method must return a Promise
  @cluster()
  sync(n: number): number {
    return n;
  }
}

export async function inferred(g: Generic): Promise<string> {
  const s: string = await g.echo('x');
  const p: [number, boolean] = await Generic.pair(1, true);
  const n: number = await g.bare(1);
  // @ts-expect-error -- the result type is inferred from the generic call, so this is a string, not a number
  const wrong: number = await g.echo('y');
  return s + String(p[0]) + String(n) + String(wrong);
}
