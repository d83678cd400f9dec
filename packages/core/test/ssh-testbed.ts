// Helpers for tests against the testbed sshd of scripts/testbed/sshd.sh (not a test file itself).
// Checks on the host go through the system's own `ssh` client, independent of Clustrix's transport.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';

export const SSH_DIR = process.env.CLUSTRIX_TEST_SSH_DIR ?? '/tmp/clustrix-testbed/ssh';
export const SSH_PORT = Number(process.env.CLUSTRIX_TEST_SSH_PORT ?? 2222);
export const SSH_USER = process.env.CLUSTRIX_TEST_SSH_USER ?? 'clustrix';
/** Used only by the connection-count tests (its log lines are theirs). */
export const SSH_USER2 = process.env.CLUSTRIX_TEST_SSH_USER2 ?? 'clustrix2';
export const SSH_PW_USER = process.env.CLUSTRIX_TEST_SSH_PW_USER ?? 'clustrixpw';
export const KEY = `${SSH_DIR}/id_ed25519`;
export const KNOWN_HOSTS = `${SSH_DIR}/known_hosts`;
export const SSHD_LOG = `${SSH_DIR}/sshd.log`;
export const TARGET = `127.0.0.1:${SSH_PORT}`;

/** A cluster profile for the testbed (no ssh config, no agent: nothing from this machine's ~/.ssh). */
export function sshProfile(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    host: '127.0.0.1',
    port: SSH_PORT,
    user: SSH_USER,
    identityFile: KEY,
    knownHostsFile: KNOWN_HOSTS,
    agent: false,
    sshConfigFile: false,
    ...over,
  };
}

/** Run a shell command on the testbed host with the system ssh client. */
export function onHost(command: string, user = SSH_USER): { stdout: string; stderr: string; code: number } {
  const r = spawnSync(
    'ssh',
    ['-p', String(SSH_PORT), '-i', KEY, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${KNOWN_HOSTS}`, '-o', 'StrictHostKeyChecking=yes', `${user}@127.0.0.1`, command],
    { encoding: 'utf8' },
  );
  return { stdout: r.stdout, stderr: r.stderr, code: r.status ?? -1 };
}

/** Byte size of the sshd log now (count lines written after it with `logSince`). */
export function logOffset(): number {
  return statSync(SSHD_LOG).size;
}

export function logSince(offset: number): string[] {
  return readFileSync(SSHD_LOG).subarray(offset).toString('utf8').split('\n');
}

/**
 * Killing the sshd that serves a connection (another user's process) and reading `ss -p` for it
 * need root; tests that do it run only as root (the testbed scripts run as root too).
 */
export const AS_ROOT = process.getuid?.() === 0;

/** Server-side sshd processes holding the TCP connection that comes from our local port. */
export function serverPidsFor(localPort: number): number[] {
  const out = execFileSync('ss', ['-tnpH', 'state', 'established', `( sport = :${SSH_PORT} and dport = :${localPort} )`], { encoding: 'utf8' });
  return [...out.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
}

/** Kill the sshd serving our connection (as a network failure or a server restart would end it). */
export function killServerSide(localPort: number): number[] {
  const pids = serverPidsFor(localPort);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  return pids;
}

/** Is process `pid` alive on the host (a zombie counts as dead)? Asked with `ps` there. */
export function aliveOnHost(pid: number): boolean {
  const r = onHost(`ps -o stat= -p ${pid}`);
  const stat = r.stdout.trim();
  return stat !== '' && !stat.startsWith('Z');
}

export async function waitFor<T>(fn: () => T | Promise<T>, what: string, ms = 20_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
