// The shared conformance suite on the real sshd of scripts/testbed/sshd.sh.
import { describeConformance, testbedSshProfile } from '@clustrix/scheduler-test-suite';
import { scheduler } from '@clustrix/schedulers-ssh';

describeConformance({ scheduler, profile: { scheduler: 'ssh', ...testbedSshProfile('clustrix') }, unsupported: { partition: 'gpu' }, timeLimit: { time: 2, sleep: 60 } });
