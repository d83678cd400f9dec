import { describe, expect, test } from '@jest/globals';
import { cluster, ConfigError, DefinitionError } from '@clustrix/core';
import { CLUSTRIX_METADATA, ownClassRecord } from '@clustrix/wire';

describe('@cluster at class definition', () => {
  test('records options per class through context.metadata', () => {
    class Jobs {
      @cluster({ cpus: 2, time: '1h' })
      async fit(_x: number): Promise<number> {
        return 1;
      }
      @cluster
      static async stat(): Promise<number> {
        return 2;
      }
    }
    const record = ownClassRecord(Jobs);
    expect(record?.methods.fit).toEqual({ static: false, options: { cpus: 2, time: '1h' } });
    expect(record?.methods.stat).toEqual({ static: true, options: {} });
    expect(record?.site?.file).toMatch(/decorator\.test\.ts$/);
    expect((Jobs as unknown as Record<symbol, Record<symbol, unknown>>)[Symbol.metadata]![CLUSTRIX_METADATA]).toBe(record);
  });

  test('a subclass does not own its parent record', () => {
    class Base {
      @cluster()
      async run(): Promise<void> {}
    }
    class Sub extends Base {}
    expect(ownClassRecord(Base)).toBeDefined();
    expect(ownClassRecord(Sub)).toBeUndefined();
  });

  test('on a field: fails naming the field, the file and why', () => {
    const define = () => {
      class Bad {
        // @ts-expect-error -- @cluster is typed for methods only; this checks the runtime guard too
        @cluster() handler = async () => 1;
      }
      return Bad;
    };
    expect(define).toThrow(DefinitionError);
    expect(define).toThrow(/@cluster is on a field 'handler' \(.*decorator\.test\.ts:\d+\); it runs async methods only/);
  });

  test('on a getter: fails at definition', () => {
    const define = () => {
      class Bad {
        // @ts-expect-error -- a getter is not a method
        @cluster() get total(): Promise<number> {
          return Promise.resolve(1);
        }
      }
      return Bad;
    };
    expect(define).toThrow(/@cluster is on a getter 'total'/);
  });

  test('on a non-async method: fails at definition, saying to declare it async', () => {
    const define = () => {
      class Bad {
        @cluster() compute(): Promise<number> {
          return Promise.resolve(1);
        }
      }
      return Bad;
    };
    expect(define).toThrow(/non-async method 'compute'.*declare it `async compute\(\.\.\.\)`/);
  });

  test('on a private method: fails at definition', () => {
    const define = () => {
      class Bad {
        @cluster() async #secret(): Promise<number> {
          return 1;
        }
      }
      return Bad;
    };
    expect(define).toThrow(/private method '#secret'/);
  });

  test('bad options fail at definition with the key path and valid keys', () => {
    const define = () => {
      class Bad {
        // @ts-expect-error -- `cpu` is not an option
        @cluster({ cpu: 2 }) async run(): Promise<void> {}
      }
      return Bad;
    };
    expect(define).toThrow(ConfigError);
    expect(define).toThrow(/@cluster options on 'run'.*cpu: unknown key 'cpu' in the top level; valid keys: .*cpus/s);
  });

  test('a bad time value fails at definition naming the value', () => {
    const define = () => {
      class Bad {
        @cluster({ time: '3 fortnights' }) async run(): Promise<void> {}
      }
      return Bad;
    };
    expect(define).toThrow(/time: "3 fortnights" is not a time; expected/);
  });
});
