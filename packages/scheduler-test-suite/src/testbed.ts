/** Profiles for the project's testbeds (scripts/testbed/): the SSH login to 127.0.0.1 as a given user. */
export const SSH_DIR = process.env.CLUSTRIX_TEST_SSH_DIR ?? '/tmp/clustrix-testbed/ssh';
export const SSH_PORT = Number(process.env.CLUSTRIX_TEST_SSH_PORT ?? 2222);

/** A profile that logs in to the testbed sshd, using nothing from this machine's ~/.ssh. */
export function testbedSshProfile(user = 'clustrix', over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    host: '127.0.0.1',
    port: SSH_PORT,
    user,
    identityFile: `${SSH_DIR}/id_ed25519`,
    knownHostsFile: `${SSH_DIR}/known_hosts`,
    agent: false,
    sshConfigFile: false,
    ...over,
  };
}

/** The OpenPBS testbed's submitting user (scripts/testbed/openpbs.sh): /opt/pbs/bin first on its PATH. */
export const OPENPBS_USER = process.env.CLUSTRIX_TEST_OPENPBS_USER ?? 'pbstest';

/**
 * A profile for the real OpenPBS of scripts/testbed/openpbs.sh: `scheduler: 'pbs'` WITHOUT `flavour`
 * (the scheduler finds out it is PBS Pro/OpenPBS from `qstat --version`), over SSH as pbstest.
 */
export function openpbsProfile(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { scheduler: 'pbs', ...testbedSshProfile(OPENPBS_USER), ...over };
}
