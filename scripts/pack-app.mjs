// The user project scripts/test-pack.mjs installs the tarballs into, written as a user would (docs/getting-started.md).
export const APP_FILES = {
  'package.json': JSON.stringify({ name: 'pack-user', private: true, type: 'module' }, null, 2) + '\n',
  'tsconfig.json': JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        types: ['node'],
        outDir: 'dist',
        rootDir: 'src',
        skipLibCheck: false,
      },
      include: ['src/jobs.ts', 'src/main.ts', 'src/tooling.ts'],
    },
    null,
    2,
  ) + '\n',
  'tsconfig.bad.json': JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, include: ['src/bad-option.ts'] }, null, 2) + '\n',
  'src/jobs.ts': `import { cluster, jobEnvironment } from '@clustrix/core';

export class Demo {
  constructor(readonly factor: number) {}

  @cluster({ cpus: 1, time: '5m' })
  async double(x: number): Promise<number> {
    return x * this.factor;
  }

  @cluster()
  async echo<T>(value: T): Promise<{ value: T; inJob: boolean }> {
    return { value, inJob: jobEnvironment() !== undefined };
  }

  @cluster
  static async add(a: number, b: number): Promise<number> {
    return a + b;
  }
}
`,
  'src/main.ts': `import { map, shutdown } from '@clustrix/core';
import { Demo } from './jobs.js';

const d = new Demo(2);
const one = await Demo.add(40, 2);
const echoed = await d.echo('hi');
const generic: string = echoed.value;
const doubled = await map([1, 2, 3], (x) => d.double(x));
console.log(JSON.stringify({ one, generic, map: doubled, inJob: echoed.inJob }));
await shutdown();
`,
  // A tool and a scheduler author's code: the two other entries of @clustrix/core, and a scheduler package built on one.
  'src/tooling.ts': `import { getJob, listJobs, type JobRecord } from '@clustrix/core/jobs';
import { BatchScheduler, batchSchedulerFactory, quoteWord, type BatchDialect, type SchedulerFactory } from '@clustrix/core/scheduler';
// @ts-expect-error the scheduler machinery is not part of the user entry
import type { BatchDialect as NotInUserEntry } from '@clustrix/core';
import { scheduler as slurm } from '@clustrix/schedulers-slurm';

const factory: SchedulerFactory = slurm;
const dialects: BatchDialect[] = []; // the types resolve too
const jobs: JobRecord[] = await listJobs();
console.log(JSON.stringify({ slurm: factory.name, quoted: quoteWord("it's"), listed: Array.isArray(jobs) && dialects.length === 0, kinds: [typeof getJob, typeof batchSchedulerFactory, typeof BatchScheduler] }));
`,
  'src/bad-option.ts': `import { cluster } from '@clustrix/core';

export class Bad {
  @cluster({ cpu: 2 })
  async run(x: number): Promise<number> {
    return x;
  }
}
`,
};

/** The one error a user must see for `@cluster({ cpu: 2 })`: the unknown key, with the suggestion; no TS1270 beside it. */
export const BAD_OPTION = 'src/bad-option.ts';
export const EXPECTED_BAD_OPTION_ERRORS = [/bad-option\.ts\(4,\d+\): error TS2561: .*'cpu'.*'cpus'/];

/** What src/tooling.ts prints when both subpath entries load (from the compiled output). */
export const EXPECTED_TOOLING = JSON.stringify({ slurm: 'slurm', quoted: `'it'\\''s'`, listed: true, kinds: ['function', 'function', 'function'] });
