// Classes whose @cluster methods the SLURM integration tests submit for real.
import { cluster, jobEnvironment } from '@clustrix/core';

export class Crash extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = 'Crash';
  }
}

export class SlurmJobs {
  @cluster()
  async where(tag: string): Promise<{ tag: string; jobId: string | undefined; slurmJob: string | undefined; index: number | undefined }> {
    return { tag, jobId: jobEnvironment()?.jobId, slurmJob: process.env.SLURM_JOB_ID, index: jobEnvironment()?.index };
  }

  @cluster()
  async square(x: number): Promise<number> {
    return x * x;
  }

  @cluster()
  async crash(code: string): Promise<never> {
    throw new Crash(`crashed with ${code}`, code);
  }

  @cluster()
  async exit(code: number): Promise<never> {
    process.stderr.write('about to exit\n');
    process.exit(code);
  }

  @cluster()
  async sleep(seconds: number): Promise<void> {
    await new Promise((r) => setTimeout(r, seconds * 1000));
  }

  @cluster()
  async hog(megabytes: number, seconds: number): Promise<number> {
    const chunks: Buffer[] = [];
    for (let i = 0; i < megabytes; i++) chunks.push(Buffer.alloc(1024 * 1024, 1));
    await new Promise((r) => setTimeout(r, seconds * 1000));
    return chunks.length;
  }
}
