/** The no-op job `clustrix doctor` submits: it reports where it ran. */
import { cluster, jobEnvironment } from '@clustrix/core';

export interface DoctorPing {
  host: string;
  node: string;
  jobId: string | undefined;
  scheduler: string | undefined;
  cwd: string;
}

export class ClustrixDoctor {
  @cluster()
  async ping(): Promise<DoctorPing> {
    const env = jobEnvironment();
    return { host: env?.hostname ?? 'unknown', node: process.version, jobId: env?.jobId, scheduler: env?.scheduler, cwd: process.cwd() };
  }
}
