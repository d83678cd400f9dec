// Classes whose @cluster methods the SGE integration tests submit for real.
import { spawn } from 'node:child_process';
import { cluster, jobEnvironment } from '@clustrix/core';

export class SgeJobs {
  @cluster()
  async where(): Promise<{ jobId: string | undefined; sgeJob: string | undefined; taskId: string | undefined; index: number | undefined; slots: string | undefined }> {
    const env = jobEnvironment();
    return { jobId: env?.jobId, sgeJob: process.env.JOB_ID, taskId: process.env.SGE_TASK_ID, index: env?.index, slots: process.env.NSLOTS };
  }

  @cluster()
  async sleep(seconds: number): Promise<number> {
    await new Promise((r) => setTimeout(r, seconds * 1000));
    return seconds;
  }

  /** Buffers outside the JS heap: under h_vmem (an address-space ulimit) the allocation itself fails. */
  @cluster()
  async buffers(megabytes: number): Promise<number> {
    const chunks: Buffer[] = [];
    for (let i = 0; i < megabytes; i++) chunks.push(Buffer.alloc(1024 * 1024, 1));
    return chunks.length;
  }

  /** Child processes that each stay under the per-process ulimit but together exceed h_vmem: SGE kills the job (failed 37). */
  @cluster()
  async children(count: number, megabytes: number, seconds: number): Promise<void> {
    const code = `b = bytearray(${megabytes} * 1024 * 1024); import time; time.sleep(${seconds})`;
    const procs = Array.from({ length: count }, () => spawn('python3', ['-c', code], { stdio: 'inherit' }));
    await Promise.all(procs.map((p) => new Promise((r) => p.on('exit', r))));
  }
}
