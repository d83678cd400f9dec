// The shared conformance suite on a real PBS server: OpenPBS 23.06 built from the vendored source by
// scripts/testbed/openpbs.sh, submitted as `pbstest` over SSH. The profile does NOT set `flavour`:
// the scheduler finds out from `qstat --version` that this is PBS Pro/OpenPBS (the pbspro flavour).
import { describeConformance, openpbsProfile } from '@clustrix/scheduler-test-suite';
import { scheduler } from '@clustrix/schedulers-pbs';

describeConformance({
  title: 'pbs (pbspro flavour, detected) on OpenPBS over SSH as pbstest',
  scheduler,
  profile: { ...openpbsProfile(), pollMinMs: 100, pollMaxMs: 1000 },
  unsupported: { qos: 'high' },
  // MoM checks walltime every 1-2 s ($max_check_poll 2): a 5 s limit kills at ~7-10 s (Exit_status -29)
  timeLimit: { time: '5s', sleep: 120, timeoutMs: 90_000 },
});
