/**
 * Which PBS a cluster runs, asked once per connection: `qstat --version` prints `pbs_version = X` on
 * PBS Professional / OpenPBS, `Version: X` on Torque, and SLURM's Torque wrappers refuse the option
 * (`Unknown option: version`). A profile's `flavour` overrides the answer; without an answer Clustrix
 * assumes the default flavour and says so (`clustrix doctor` prints it).
 */
import type { Transport } from '@clustrix/core/scheduler';
import { DEFAULT_FLAVOUR, type PbsFlavour } from './flavour.js';

export interface DetectedFlavour {
  flavour: PbsFlavour;
  /** What was found and how, for logs and `clustrix doctor`: `OpenPBS/PBS Professional 23.06.06 (found by \`qstat --version\`)`. */
  description: string;
  /** How the flavour was chosen. */
  source: 'profile' | 'detected' | 'assumed';
}

/** The command asked. */
export const VERSION_ARGV = ['qstat', '--version'] as const;

/** `qstat --version`'s output (stdout and stderr together) → the flavour, or undefined if it says neither. */
export function flavourFromVersion(text: string): Omit<DetectedFlavour, 'source'> | undefined {
  const pro = /pbs_version\s*=\s*(\S+)/.exec(text);
  if (pro) return { flavour: 'pbspro', description: `OpenPBS/PBS Professional ${pro[1]}` };
  const torque = /^\s*Version:\s*(\S+)/m.exec(text);
  if (torque) return { flavour: 'torque', description: `Torque ${torque[1]}` };
  // Debian's slurm-wlm-torque: Perl Getopt::Long refuses the option
  if (/^Unknown option: version/m.test(text)) return { flavour: 'torque', description: "SLURM's Torque wrappers, whose qstat has no --version" };
  return undefined;
}

/** The flavour of a cluster: the profile's if set, else asked of its qstat (one command). */
export async function detectFlavour(transport: Transport, configured: PbsFlavour | undefined): Promise<DetectedFlavour> {
  if (configured) return { flavour: configured, description: `${configured} (set by the profile's \`flavour\`)`, source: 'profile' };
  let text: string;
  try {
    const out = await transport.exec([...VERSION_ARGV]);
    text = `${out.stdout}\n${out.stderr}`;
  } catch (err) {
    text = String((err as Error)?.message ?? err);
  }
  const found = flavourFromVersion(text);
  if (found) return { ...found, description: `${found.description} (found by \`qstat --version\`)`, source: 'detected' };
  const said = text.trim().split('\n').filter(Boolean).slice(-1)[0] ?? 'nothing';
  return {
    flavour: DEFAULT_FLAVOUR,
    description: `${DEFAULT_FLAVOUR} (assumed: \`qstat --version\` said ${JSON.stringify(said.slice(0, 120))}; set \`flavour\` in the profile)`,
    source: 'assumed',
  };
}
