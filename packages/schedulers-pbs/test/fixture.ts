// The PBS fixtures (captures of the testbed's wrappers, and documented-format files): format in fixtures/README.md.
import { readCapture, type Capture } from '@clustrix/scheduler-test-suite';

export type Fixture = Capture;

export const fixture = (name: string): Fixture => readCapture(new URL(`./fixtures/${name}`, import.meta.url));
