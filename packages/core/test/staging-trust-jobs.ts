// A class for staging-trust.cluster.test.ts (not a test file itself): reads an input from the job folder.
import { cluster } from '@clustrix/core';

export class Reader {
  @cluster()
  async readText(rel: string): Promise<string> {
    const { readFileSync } = await import('node:fs');
    return readFileSync(rel, 'utf8');
  }
}
