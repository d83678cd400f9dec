// The captured real SGE output in fixtures/ (format: fixtures/README.md).
import type { CommandOutput } from '@clustrix/core/scheduler';
import { readCapture, type Capture } from '@clustrix/scheduler-test-suite';

export const capture = (name: string): Capture => readCapture(new URL(`./fixtures/${name}`, import.meta.url));

/** A capture as one command's output in a round trip (stdout and stderr together, as `2>&1` gives them). */
export function output(name: string): CommandOutput {
  const c = capture(name);
  return { stdout: c.merged, code: c.code };
}
