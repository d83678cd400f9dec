// The shared conformance suite on the local scheduler (no testbed needed).
import { describeConformance } from '@clustrix/scheduler-test-suite';

describeConformance({ profile: { scheduler: 'local' }, unsupported: { partition: 'gpu' }, timeLimit: { time: 1, sleep: 60 } });
