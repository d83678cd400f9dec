// Resolving a cluster profile against an ssh config file (real files in a temp home).
import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../src/errors.js';
import { parseJumpSpec, resolveSshTarget } from '../src/transport/ssh/ssh-config.js';

const home = mkdtempSync(join(tmpdir(), 'clustrix-sshcfg-'));
mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true });
writeFileSync(
  join(home, '.ssh', 'config'),
  `# the user's config
Include conf.d/*.conf

Host hpc
  HostName login.hpc.example.org
  User alice
  Port 2200
  IdentityFile ~/.ssh/hpc_key
  IdentityFile %d/.ssh/second_%r
  ProxyJump bastion

Host bastion
  HostName bastion.example.org
  User jumper
  IdentityFile ~/.ssh/bastion_key

Host lab
  HostName %h.internal
  IdentitiesOnly yes
  IdentityFile ~/.ssh/lab
  IdentityAgent none
  StrictHostKeyChecking accept-new
  UserKnownHostsFile ~/.ssh/lab_hosts
  ServerAliveInterval 7
  HostKeyAlias lab-alias

Host proxied
  ProxyCommand ssh -W %h:%p bastion

Host spaced
  IdentityFile "/keys/with space/id"
  UserKnownHostsFile /kh/one "/kh/two words"

Host *
  User fallback
  ConnectTimeout 9
`,
);
writeFileSync(join(home, '.ssh', 'conf.d', 'extra.conf'), 'Host included\n  HostName inc.example.org\n  Port 2022\n');

const base = { home, localUser: 'me', env: { SSH_AUTH_SOCK: '/run/agent.sock' } };

describe('resolveSshTarget', () => {
  test('HostName, User, Port, IdentityFile (tokens, ~) and ProxyJump come from the file', async () => {
    const t = await resolveSshTarget({ host: 'hpc' }, base);
    expect(t.hostName).toBe('login.hpc.example.org');
    expect(t.user).toBe('alice');
    expect(t.port).toBe(2200);
    expect(t.identityFiles).toEqual([join(home, '.ssh', 'hpc_key'), join(home, '.ssh', 'second_alice')]);
    expect(t.agent).toBe('/run/agent.sock');
    expect(t.connectTimeoutMs).toBe(9000);
    expect(t.jumps).toHaveLength(1);
    expect(t.jumps[0]).toMatchObject({ alias: 'bastion', hostName: 'bastion.example.org', user: 'jumper', port: 22, identityFiles: [join(home, '.ssh', 'bastion_key')] });
    expect(t.knownHostsFiles).toEqual([join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2'), '/etc/ssh/ssh_known_hosts']);
    expect(t.hostKeyPolicy).toBe('strict');
  });

  test('profile keys win over the file', async () => {
    const t = await resolveSshTarget(
      { host: 'hpc', user: 'bob', port: 22, identityFile: '/keys/k', proxyJump: 'carol@jump.example:2022', knownHostsFile: '/kh', agent: false, hostKeyPolicy: 'accept-new', keepaliveMs: 1234 },
      base,
    );
    expect(t).toMatchObject({ hostName: 'login.hpc.example.org', user: 'bob', port: 22, identityFiles: ['/keys/k'], knownHostsFiles: ['/kh'], hostKeyPolicy: 'accept-new', keepaliveMs: 1234 });
    expect(t.agent).toBeUndefined();
    expect(t.jumps.map((j) => [j.user, j.hostName, j.port])).toEqual([['carol', 'jump.example', 2022]]);
  });

  test('%h in HostName, IdentitiesOnly, IdentityAgent none, accept-new, own known_hosts, ServerAliveInterval, HostKeyAlias', async () => {
    const t = await resolveSshTarget({ host: 'lab' }, base);
    expect(t.hostName).toBe('lab.internal');
    expect(t.identitiesOnly).toBe(true);
    expect(t.agent).toBeUndefined();
    expect(t.hostKeyPolicy).toBe('accept-new');
    expect(t.knownHostsFiles[0]).toBe(join(home, '.ssh', 'lab_hosts'));
    expect(t.keepaliveMs).toBe(7000);
    expect(t.hostKeyName).toBe('lab-alias');
    expect(t.user).toBe('fallback');
  });

  test('quoted paths with spaces stay whole', async () => {
    const t = await resolveSshTarget({ host: 'spaced' }, base);
    expect(t.identityFiles).toEqual(['/keys/with space/id']);
    expect(t.knownHostsFiles.slice(0, 2)).toEqual(['/kh/one', '/kh/two words']);
  });

  test('Include is followed', async () => {
    const t = await resolveSshTarget({ host: 'included' }, base);
    expect(t).toMatchObject({ hostName: 'inc.example.org', port: 2022, user: 'fallback' });
  });

  test('a host not in the file: the name as given, the local user, default keys', async () => {
    const t = await resolveSshTarget({ host: '10.1.2.3' }, { ...base, env: {} });
    expect(t).toMatchObject({ hostName: '10.1.2.3', port: 22, user: 'fallback', identityFilesExplicit: false });
    expect(t.identityFiles).toEqual(['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => join(home, '.ssh', n)));
    const noConfig = await resolveSshTarget({ host: '10.1.2.3', sshConfigFile: false }, base);
    expect(noConfig.user).toBe('me');
  });

  test('ProxyCommand is refused with a pointer to ProxyJump', async () => {
    await expect(resolveSshTarget({ host: 'proxied' }, base)).rejects.toThrow(/ProxyCommand .*use ProxyJump/);
  });

  test('a named config file that cannot be read is a ConfigError naming sshConfigFile', async () => {
    const err = await resolveSshTarget({ host: 'x', sshConfigFile: join(home, 'nope') }, base).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).keyPath).toBe('sshConfigFile');
  });
});

describe('parseJumpSpec', () => {
  test('the forms ssh -J takes', () => {
    expect(parseJumpSpec('jump')).toEqual({ host: 'jump' });
    expect(parseJumpSpec('u@jump:2200')).toEqual({ user: 'u', host: 'jump', port: 2200 });
    expect(parseJumpSpec('ssh://u@jump:2200')).toEqual({ user: 'u', host: 'jump', port: 2200 });
    expect(parseJumpSpec('[::1]:2222')).toEqual({ host: '::1', port: 2222 });
    expect(() => parseJumpSpec('u@:99999')).toThrow(/not a jump host/);
  });
});
