// Host key rules of issue 11 item 6 against real servers: the testbed sshd (ed25519 host key only),
// and a private sshd started here (as root) whose only host key signature is ssh-rsa (SHA-1).
//  - accept-new: a key type not known for a host while another type is known is a changed key;
//  - ssh-rsa with SHA-1 is offered only when the profile sets `allowSha1Rsa: true`.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostKeyError, TransportError } from '../src/errors.js';
import type { Transport } from '../src/transport/contract.js';
import { createSshTransport } from '../src/transport/ssh/index.js';
import { AS_ROOT, KEY, SSH_PORT, SSH_USER2, sshProfile } from './ssh-testbed.js';

const local = mkdtempSync(join(tmpdir(), 'clustrix-hostkey-'));
chmodSync(local, 0o755); // sshd (StrictModes) reads its host key and config here
const opened: Transport[] = [];
let sshd: ChildProcess | undefined;

async function open(profile: Record<string, unknown>): Promise<Transport> {
  const t = await createSshTransport(profile as never, 'hostkeys');
  opened.push(t);
  return t;
}

afterAll(async () => {
  for (const t of opened) await t.close();
  sshd?.kill();
});

function publicKeyLine(file: string): string {
  return readFileSync(`${file}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
}

describe('accept-new and key types', () => {
  test('a host presenting ed25519 while only an ecdsa key is known for it is a changed key; nothing is added', async () => {
    const ecdsa = join(local, 'other_ecdsa');
    execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', ecdsa]);
    const kh = join(local, 'ecdsa_only_known_hosts');
    const text = `[127.0.0.1]:${SSH_PORT} ${publicKeyLine(ecdsa)}\n`;
    writeFileSync(kh, text);
    const err = await open(sshProfile({ knownHostsFile: kh, hostKeyPolicy: 'accept-new', user: SSH_USER2 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    const message = (err as Error).message;
    expect(message).toContain(`the host key of [127.0.0.1]:${SSH_PORT} has CHANGED: it presented a ssh-ed25519 key`);
    expect(message).toContain(`only other key types are known for it (ecdsa-sha2-nistp256 at ${kh}:1)`);
    expect(message).toContain('the key was not added');
    expect(readFileSync(kh, 'utf8')).toBe(text);
  });
});

describe('ssh-rsa (SHA-1) host key signatures', () => {
  const port = 2290 + (process.pid % 9);
  const hostKey = join(local, 'ssh_host_rsa_key');

  async function startRsaOnlySshd(): Promise<void> {
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', hostKey]);
    const config = join(local, 'sshd_config');
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        'HostKeyAlgorithms ssh-rsa',
        `PidFile ${join(local, 'sshd.pid')}`,
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'AuthorizedKeysFile .ssh/authorized_keys',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let said = '';
      sshd!.stderr!.on('data', (d: Buffer) => {
        said += d.toString();
        if (said.includes('Server listening')) resolve();
      });
      sshd!.once('exit', (code) => reject(new Error(`sshd exited ${code}: ${said}`)));
    });
  }

  test('refused by default (the error names allowSha1Rsa); accepted with allowSha1Rsa: true', async () => {
    if (!AS_ROOT) return console.warn('skipped: starting a second sshd needs root (the testbed runs as root)');
    await startRsaOnlySshd();
    const kh = join(local, 'rsa_known_hosts');
    writeFileSync(kh, `[127.0.0.1]:${port} ${publicKeyLine(hostKey)}\n`);
    const profile = { host: '127.0.0.1', port, user: SSH_USER2, identityFile: KEY, knownHostsFile: kh, agent: false, sshConfigFile: false };
    const err = await open(profile).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).not.toBeInstanceOf(HostKeyError);
    expect((err as Error).message).toContain('no matching host key');
    expect((err as Error).message).toContain('allowSha1Rsa: true');
    const t = await open({ ...profile, allowSha1Rsa: true });
    expect((await t.exec(['id', '-un'])).stdout).toBe(`${SSH_USER2}\n`);
  }, 60_000);
});
