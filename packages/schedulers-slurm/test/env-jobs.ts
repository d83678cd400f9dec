// A class whose @cluster method reports which variables the job sees (export-env.cluster.test.ts).
import { cluster } from '@clustrix/core';

export class EnvJobs {
  @cluster()
  async variables(names: string[]): Promise<Record<string, string | null>> {
    return Object.fromEntries(names.map((n) => [n, process.env[n] ?? null]));
  }
}
