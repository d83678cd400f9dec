// The shared conformance suite on this machine's PBS: the Torque command set of Debian's
// slurm-wlm-torque over the SLURM testbed (scripts/testbed/pbs.sh), submitted as `pbsuser` over
// SSH. OpenPBS is not packaged here: the pbspro flavour is tested on documented output (parse.test.ts).
import { describeConformance, testbedSshProfile } from '@clustrix/scheduler-test-suite';
import { scheduler } from '@clustrix/schedulers-pbs';

describeConformance({
  title: 'pbs (torque flavour, SLURM wrappers) over SSH as pbsuser',
  scheduler,
  profile: { scheduler: 'pbs', flavour: 'torque', ...testbedSshProfile('pbsuser') },
  unsupported: { qos: 'high' },
  // the wrappers round walltime up to whole minutes; SLURM kills ~80 s after a 1-minute limit
  timeLimit: { time: '1m', sleep: 600, timeoutMs: 240_000 },
});
