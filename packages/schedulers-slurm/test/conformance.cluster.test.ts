// The shared conformance suite on the real SLURM, through the local transport and through SSH.
import { describeConformance, testbedSshProfile } from '@clustrix/scheduler-test-suite';
import { scheduler } from '@clustrix/schedulers-slurm';

const everyKey = { skip: 'SLURM honours every key of the resource model' };
// SLURM rounds --time up to whole minutes and kills about 80 s after a 1-minute limit: run it once.
describeConformance({ title: 'slurm (local transport)', scheduler, profile: { scheduler: 'slurm' }, unsupported: everyKey, timeLimit: { time: '1m', sleep: 600, timeoutMs: 240_000 } });
describeConformance({ title: 'slurm over SSH as clustrix', scheduler, profile: { scheduler: 'slurm', ...testbedSshProfile('clustrix') }, unsupported: everyKey, timeLimit: { skip: 'the same SLURM is timed out in the local-transport run (~80 s each)' } });
