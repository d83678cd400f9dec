// known_hosts matching against files written and hashed by OpenSSH's own ssh-keygen.
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  findHostKeys,
  fingerprint,
  hostFieldMatches,
  hostKeyAlgorithms,
  knownHostsLine,
  preferredHostKeyAlgorithms,
  verifyHostKey,
} from '../src/transport/ssh/known-hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'clustrix-kh-'));

function newKey(name: string, alg = 'ed25519'): { line: string; blob: Buffer; type: string; b64: string } {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', alg, '-N', '', '-C', name, '-f', file]);
  const line = readFileSync(`${file}.pub`, 'utf8').trim();
  const [type, b64] = line.split(' ');
  return { line, blob: Buffer.from(b64!, 'base64'), type: type!, b64: b64! };
}

const a = newKey('a');
const b = newKey('b');
const ec = newKey('ec', 'ecdsa');

describe('known_hosts host fields', () => {
  test('plain names, [host]:port for other ports, comma lists', () => {
    expect(hostFieldMatches('login.hpc.org', 'login.hpc.org', 22)).toBe(true);
    expect(hostFieldMatches('login.hpc.org', 'login.hpc.org', 2222)).toBe(false);
    expect(hostFieldMatches('[login.hpc.org]:2222', 'login.hpc.org', 2222)).toBe(true);
    expect(hostFieldMatches('other,[127.0.0.1]:2222,[localhost]:2222', 'localhost', 2222)).toBe(true);
    expect(hostFieldMatches('LOGIN.HPC.ORG', 'login.hpc.org', 22)).toBe(true);
  });

  test('wildcards and negation', () => {
    expect(hostFieldMatches('*.hpc.org', 'node1.hpc.org', 22)).toBe(true);
    expect(hostFieldMatches('node?.hpc.org', 'node12.hpc.org', 22)).toBe(false);
    expect(hostFieldMatches('*.hpc.org,!bad.hpc.org', 'bad.hpc.org', 22)).toBe(false);
    expect(hostFieldMatches('[*.hpc.org]:2222', 'x.hpc.org', 2222)).toBe(true);
    expect(hostFieldMatches('*.hpc.org', 'x.hpc.org', 2222)).toBe(false);
  });

  test('entries hashed by ssh-keygen -H match, and only their own host', () => {
    const file = join(dir, 'hashed');
    writeFileSync(file, `[127.0.0.1]:2222 ${a.type} ${a.b64}\nlogin.hpc.org ${b.type} ${b.b64}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain('login.hpc.org');
    const first = findHostKeys(text, '127.0.0.1', 2222);
    expect(first).toHaveLength(1);
    expect(first[0]!.key.equals(a.blob)).toBe(true);
    const second = findHostKeys(text, 'login.hpc.org', 22);
    expect(second).toHaveLength(1);
    expect(second[0]!.key.equals(b.blob)).toBe(true);
    expect(findHostKeys(text, '127.0.0.1', 22)).toHaveLength(0);
    expect(findHostKeys(text, 'login.hpc.org', 2222)).toHaveLength(0);
  });

  test('a line we hash is found by ssh-keygen -F, and by us', () => {
    const file = join(dir, 'ours');
    writeFileSync(file, `${knownHostsLine('box.example', 2200, a.blob, true)}\n`);
    const out = execFileSync('ssh-keygen', ['-F', '[box.example]:2200', '-f', file], { encoding: 'utf8' });
    expect(out).toContain(a.b64);
    expect(findHostKeys(readFileSync(file, 'utf8'), 'box.example', 2200)).toHaveLength(1);
  });
});

describe('verdicts', () => {
  const text = [
    '# comment',
    '',
    `[h]:2222 ${a.type} ${a.b64}`,
    `@cert-authority *.hpc.org ${b.type} ${b.b64}`,
    `@revoked old.example ${b.type} ${b.b64}`,
    `old.example ${b.type} ${b.b64}`,
    'garbage line',
  ].join('\n');

  test('known, changed, unknown, revoked', () => {
    expect(verifyHostKey(findHostKeys(text, 'h', 2222), a.blob).status).toBe('known');
    const changed = verifyHostKey(findHostKeys(text, 'h', 2222), b.blob);
    expect(changed.status).toBe('changed');
    expect(changed.status === 'changed' && changed.entries[0]!.line).toBe(3);
    expect(verifyHostKey(findHostKeys(text, 'nobody', 22), a.blob)).toEqual({ status: 'unknown', knownTypes: [] });
    expect(verifyHostKey(findHostKeys(text, 'old.example', 22), b.blob).status).toBe('revoked');
    // a @cert-authority line is not a host key for the host
    expect(verifyHostKey(findHostKeys(text, 'x.hpc.org', 22), b.blob).status).toBe('unknown');
  });

  test('fingerprints are the ones ssh-keygen -l prints', () => {
    const printed = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'a.pub')], { encoding: 'utf8' }).split(' ')[1];
    expect(fingerprint(a.blob)).toBe(printed);
  });
});

describe('a key of another type than the known ones (issue 11 item 6)', () => {
  const text = `[h]:2222 ${a.type} ${a.b64}\n@revoked [r]:2222 ${a.type} ${a.b64}\n`;

  test('is a changed key, not a new one, naming the types that are known', () => {
    expect(ec.type).toBe('ecdsa-sha2-nistp256');
    const v = verifyHostKey(findHostKeys(text, 'h', 2222), ec.blob);
    expect(v.status).toBe('changed');
    expect(v.status === 'changed' && v.otherType).toBe(true);
    expect(v.status === 'changed' && v.entries.map((e) => e.keyType)).toEqual(['ssh-ed25519']);
  });

  test('a host with only a @revoked key known is still unknown for another type (accept-new may add it)', () => {
    expect(verifyHostKey(findHostKeys(text, 'r', 2222), ec.blob)).toEqual({ status: 'unknown', knownTypes: [] });
  });
});

describe('host key algorithms offered', () => {
  test('ssh-rsa (SHA-1 signatures) only when the profile opts in; rsa-sha2 always', () => {
    expect(hostKeyAlgorithms(false)).not.toContain('ssh-rsa');
    expect(hostKeyAlgorithms(false)).toEqual(expect.arrayContaining(['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256']));
    expect(hostKeyAlgorithms(true)).toContain('ssh-rsa');
  });

  test('a host known by an ssh-rsa key is asked for rsa-sha2 signatures first, and never ssh-rsa without the opt-in', () => {
    const offered = preferredHostKeyAlgorithms(['ssh-rsa'], hostKeyAlgorithms(false));
    expect(offered.slice(0, 2)).toEqual(['rsa-sha2-512', 'rsa-sha2-256']);
    expect(offered).not.toContain('ssh-rsa');
    expect(preferredHostKeyAlgorithms(['ssh-rsa'], hostKeyAlgorithms(true)).slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  });

  test("ssh2's own default list does offer ssh-rsa: the restriction is ours", async () => {
    const { createRequire } = await import('node:module');
    const req = createRequire(import.meta.url);
    const constants = req(join(dirname(req.resolve('ssh2')), 'protocol', 'constants.js')) as { DEFAULT_SERVER_HOST_KEY?: string[] };
    const defaults = constants.DEFAULT_SERVER_HOST_KEY ?? [];
    expect(defaults).toContain('ssh-rsa');
  });
});
