// The captured real SLURM output in fixtures/ (format: fixtures/README.md).
import { readCapture, type Capture } from '@clustrix/scheduler-test-suite';

export const capture = (name: string): Capture => readCapture(new URL(`./fixtures/${name}`, import.meta.url));
