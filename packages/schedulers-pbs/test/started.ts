// Waits (bounded) until a job's method has started: PBS's R comes before the job script runs, and a qdel then
// ends the job without the signal a running job gets (OpenPBS: SIGKILL, Exit_status 265; the Torque wrappers:
// no "CANCELLED AT" line from slurmstepd). PbsJobs.sleepSaying writes 'sleeping' to stdout once it runs.
import { expect } from '@jest/globals';
import type { Transport } from '@clustrix/core/scheduler';

export async function untilSleeping(transport: Transport, jobDir: string): Promise<void> {
  const out = () => transport.exec(['cat', `${jobDir}/stdout`]).then((r) => r.stdout);
  for (let i = 0; i < 600 && !(await out()).includes('sleeping'); i++) await new Promise((r) => setTimeout(r, 100));
  expect(await out()).toContain('sleeping');
}
