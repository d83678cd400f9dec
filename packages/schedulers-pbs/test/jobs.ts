// Classes whose @cluster methods the PBS integration tests submit for real.
import { cluster, jobEnvironment } from '@clustrix/core';

export class PbsJobs {
  @cluster()
  async where(tag: string): Promise<{ tag: string; pbsJobId: string | undefined; jobName: string | undefined; index: number | undefined }> {
    return { tag, pbsJobId: process.env.PBS_JOBID, jobName: process.env.PBS_JOBNAME, index: jobEnvironment()?.index };
  }

  @cluster()
  async item(x: number): Promise<{ x: number; index: number | undefined; arrayIndex: string | undefined }> {
    console.log(`item ${x} says hello`);
    return { x, index: jobEnvironment()?.index, arrayIndex: process.env.PBS_ARRAY_INDEX ?? process.env.PBS_ARRAYID };
  }

  @cluster()
  async sleep(seconds: number): Promise<void> {
    await new Promise((r) => setTimeout(r, seconds * 1000));
  }

  /** Says it started (on stdout), then sleeps: a test waits for the line, so the method is known to run. */
  @cluster()
  async sleepSaying(seconds: number): Promise<void> {
    await new Promise<void>((r) => process.stdout.write('sleeping\n', () => r()));
    await new Promise((r) => setTimeout(r, seconds * 1000));
  }

  @cluster()
  async hog(megabytes: number, seconds: number): Promise<number> {
    const chunks: Buffer[] = [];
    for (let i = 0; i < megabytes; i++) chunks.push(Buffer.alloc(1024 * 1024, 1));
    await new Promise((r) => setTimeout(r, seconds * 1000));
    return chunks.length;
  }

  @cluster()
  async quit(code: number): Promise<never> {
    process.stderr.write(`quitting with ${code}\n`);
    process.exit(code);
  }
}
