// The methods every scheduler's conformance run submits for real.
import { cluster, jobEnvironment } from '@clustrix/core';

export class ConformanceError extends Error {
  constructor(
    message: string,
    readonly detail: { code: number },
  ) {
    super(message);
    this.name = 'ConformanceError';
  }
}

export class ConformanceJobs {
  constructor(readonly tag: string) {}

  @cluster()
  async describe(): Promise<{ tag: string; scheduler: string | undefined; jobId: string | undefined; index: number | undefined }> {
    const env = jobEnvironment();
    return { tag: this.tag, scheduler: env?.scheduler, jobId: env?.jobId, index: env?.index };
  }

  @cluster()
  async square(x: number): Promise<number> {
    return x * x;
  }

  @cluster()
  async fail(code: number): Promise<never> {
    throw new ConformanceError(`failed on purpose with ${code}`, { code });
  }

  @cluster()
  async exit(code: number): Promise<never> {
    process.stderr.write(`exiting with ${code}\n`);
    process.exit(code);
  }

  @cluster()
  async sleep(seconds: number): Promise<number> {
    await new Promise((r) => setTimeout(r, seconds * 1000));
    return seconds;
  }
}
