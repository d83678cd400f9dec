// The shared conformance suite on the real Son of Grid Engine of scripts/testbed/sge.sh, submitting
// as `clustrix` over SSH (SGE refuses root, min_uid 1000). h_rt is enforced to the second (~6 s
// after a 5 s limit), and the kill is explained by qacct (failed 37).
import { describeConformance, testbedSshProfile } from '@clustrix/scheduler-test-suite';
import { scheduler } from '@clustrix/schedulers-sge';

describeConformance({
  title: 'sge over SSH as clustrix',
  scheduler,
  profile: { scheduler: 'sge', ...testbedSshProfile('clustrix') },
  unsupported: { qos: 'high' },
  timeLimit: { time: '5s', sleep: 120, timeoutMs: 90_000 },
});
