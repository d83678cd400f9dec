// The SSH transport against the real testbed sshd (scripts/testbed/sshd.sh): files, quoting, host
// keys, every way to log in, ProxyJump, ~/.ssh/config, and reconnecting after the server side of
// the connection is killed.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuthenticationError, HostKeyError } from '../src/errors.js';
import type { Transport } from '../src/transport/contract.js';
import { createSshTransport, type SshTransport } from '../src/transport/ssh/index.js';
import { fuzzWords } from './fuzz-words.js';
import { AS_ROOT, KEY, KNOWN_HOSTS, SSH_DIR, SSH_PORT, SSH_PW_USER, SSH_USER, SSH_USER2, TARGET, killServerSide, logOffset, serverPidsFor, logSince, onHost, sshProfile, waitFor } from './ssh-testbed.js';

const local = mkdtempSync(join(tmpdir(), 'clustrix-ssh-t-'));
const run = `t${Date.now().toString(36)}`;
const remoteDir = `/home/${SSH_USER}/.clustrix-test/${run}`;
const opened: Transport[] = [];
let agent: ChildProcess | undefined;

async function open(profile: Record<string, unknown>, env?: NodeJS.ProcessEnv): Promise<SshTransport> {
  const t = (await createSshTransport(profile as never, 'testbed', env ? { env } : {})) as SshTransport;
  opened.push(t);
  return t;
}

afterAll(async () => {
  for (const t of opened) await t.close();
  agent?.kill();
  onHost(`rm -rf ${remoteDir}`);
});

describe('files and commands', () => {
  test('exec, writeFiles (0700 folders, 0600 files), readFiles with tails, put atomically, get, exists, remove', async () => {
    const t = await open(sshProfile());
    expect(t.host).toBe(`${SSH_USER}@${TARGET}`);
    expect(await t.resolvePath('~/x')).toBe(`/home/${SSH_USER}/x`);
    const who = await t.exec(['id', '-un']);
    expect(who).toEqual({ stdout: `${SSH_USER}\n`, stderr: '', code: 0 });
    expect((await t.exec(['sh', '-c', 'echo oops >&2; exit 7'])).code).toBe(7);
    const job = `${remoteDir}/jobs/j1`;
    await t.writeFiles(job, { 'job.json': '{"a":1}', 'items/0.json': '[1]', 'logs/': '' });
    expect(onHost(`stat -c '%a %n' ${remoteDir}/jobs ${job} ${job}/items ${job}/logs ${job}/job.json`).stdout).toBe(
      `700 ${remoteDir}/jobs\n700 ${job}\n700 ${job}/items\n700 ${job}/logs\n600 ${job}/job.json\n`,
    );
    const files = await t.readFiles([`${job}/job.json`, `${job}/none`, `${job}/items/0.json`], { tailBytes: 3 });
    expect(files.get(`${job}/job.json`)?.toString()).toBe(':1}');
    expect(files.get(`${job}/none`)).toBeUndefined();
    const big = join(local, 'big.bin');
    writeFileSync(big, Buffer.alloc(3_000_000, 7));
    await t.put(big, `${remoteDir}/up/big.bin`, { mode: 0o644 });
    expect(onHost(`stat -c '%a %s' ${remoteDir}/up/big.bin; ls ${remoteDir}/up`).stdout).toBe(`644 3000000\nbig.bin\n`);
    await t.get(`${remoteDir}/up/big.bin`, join(local, 'back', 'big.bin'));
    expect(readFileSync(join(local, 'back', 'big.bin')).equals(readFileSync(big))).toBe(true);
    expect(await t.exists(`${remoteDir}/up/big.bin`)).toBe(true);
    await t.remove(`${remoteDir}/up`, { recursive: true });
    expect(await t.exists(`${remoteDir}/up`)).toBe(false);
    await expect(t.remove('/home', { recursive: true })).rejects.toThrow(/refusing to remove/);
  });

  test('quoting fuzz: 1,200 generated words reach the host intact as argv and as file names, and run nothing', async () => {
    const t = await open(sshProfile());
    const canary = `/tmp/clustrix-canary-${run}`;
    const words = fuzzWords(1200, canary, 42);
    for (let i = 0; i < words.length; i += 150) {
      const batch = words.slice(i, i + 150);
      const r = await t.exec(['printf', '%s\\0', ...batch]);
      expect(r.code).toBe(0);
      expect(r.stdout.split('\0').slice(0, -1)).toEqual(batch);
    }
    // the same kind of words as file names ('/' would make a sub-folder: it becomes U+2215), written and read back
    const names = fuzzWords(200, canary, 7).map((w) => w.replaceAll('/', '\u2215').replace(/^\.+$/, 'dots'));
    const dir = `${remoteDir}/names ${'$(touch ' + canary + ')'}`;
    await t.writeFiles(dir, Object.fromEntries(names.map((n, i) => [n, `content ${i}`])));
    const back = await t.readFiles(names.map((n) => `${dir}/${n}`));
    expect(names.map((n) => back.get(`${dir}/${n}`)?.toString())).toEqual(names.map((_, i) => `content ${i}`));
    const listed = await t.exec(['find', dir, '-type', 'f', '-printf', '%f\\0']);
    expect(listed.stdout.split('\0').slice(0, -1).sort()).toEqual([...names].sort());
    expect(onHost(`test -e ${canary} && echo yes || echo no`).stdout).toBe('no\n');
    expect(existsSync(canary)).toBe(false);
  });
});

describe('host keys', () => {
  const hostPub = readFileSync(`${SSH_DIR}/ssh_host_ed25519_key.pub`, 'utf8');
  const fp = execFileSync('ssh-keygen', ['-l', '-f', `${SSH_DIR}/ssh_host_ed25519_key.pub`], { encoding: 'utf8' }).split(' ')[1]!;

  test('an unknown host key is a HostKeyError with the fingerprint and the command to trust it; nothing is logged in', async () => {
    const empty = join(local, 'empty_known_hosts');
    writeFileSync(empty, '');
    const before = logOffset();
    const err = await open(sshProfile({ knownHostsFile: empty, user: SSH_USER2 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    const e = err as HostKeyError;
    expect(e.fingerprint).toBe(fp);
    expect(e.message).toContain(`[127.0.0.1]:${SSH_PORT} is not known (ssh-ed25519 ${fp}); nothing was run there`);
    expect(e.message).toContain(`ssh-keyscan -p ${SSH_PORT} -t ed25519 127.0.0.1 >> ${empty}`);
    expect(e.message).toContain("hostKeyPolicy: 'accept-new'");
    // the client stopped before authenticating: the server logged no login
    await new Promise((r) => setTimeout(r, 300));
    expect(logSince(before).filter((l) => l.startsWith(`Accepted publickey for ${SSH_USER2} `))).toEqual([]); // only these tests use that user
  });

  test('a changed host key is refused, naming the known_hosts line and how to replace it', async () => {
    const other = join(local, 'other');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const kh = join(local, 'changed_known_hosts');
    writeFileSync(kh, `# header\n[127.0.0.1]:${SSH_PORT} ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    const err = await open(sshProfile({ knownHostsFile: kh })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as Error).message).toMatch(new RegExp(`has CHANGED \\(now ssh-ed25519 ${fp.replace(/[+/]/g, '\\$&')}; known at ${kh}:2\\)`));
    expect((err as Error).message).toContain(`ssh-keygen -R '[127.0.0.1]:${SSH_PORT}' -f ${kh}`);
  });

  test("accept-new records an unknown key (ssh-keygen -F finds it) and connects; then it is known", async () => {
    const kh = join(local, 'new_known_hosts');
    const t = await open(sshProfile({ knownHostsFile: kh, hostKeyPolicy: 'accept-new' }));
    expect((await t.exec(['true'])).code).toBe(0);
    expect(execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${SSH_PORT}`, '-f', kh], { encoding: 'utf8' })).toContain(hostPub.split(' ')[1]!);
    const again = await open(sshProfile({ knownHostsFile: kh, port: SSH_PORT, user: SSH_USER2 }));
    expect((await again.exec(['id', '-un'])).stdout).toBe(`${SSH_USER2}\n`);
  });

  test('a known_hosts hashed with ssh-keygen -H is honoured', async () => {
    const kh = join(local, 'hashed_known_hosts');
    writeFileSync(kh, readFileSync(KNOWN_HOSTS));
    execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
    expect(readFileSync(kh, 'utf8')).not.toContain('127.0.0.1');
    const t = await open(sshProfile({ knownHostsFile: kh, user: SSH_USER2 }));
    expect((await t.exec(['true'])).code).toBe(0);
  });
});

describe('logging in', () => {
  test('a wrong key is an AuthenticationError naming the host and the user', async () => {
    const wrong = join(local, 'wrong');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrong]);
    const err = await open(sshProfile({ identityFile: wrong })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as Error).message).toContain(`cannot log in to ${SSH_USER}@${TARGET} as user '${SSH_USER}'`);
    expect((err as Error).message).toContain(`tried key ${wrong}`);
    expect((err as Error).message).toContain('clusters.testbed.identityFile');
  });

  test('an encrypted key: the passphrase comes from the variable named by passphraseEnv; without it, the error says so', async () => {
    const passphrase = readFileSync(`${SSH_DIR}/id_ed25519_pass.passphrase`, 'utf8').trim();
    const profile = sshProfile({ identityFile: `${SSH_DIR}/id_ed25519_pass`, passphraseEnv: 'CLUSTRIX_TEST_KEY_PASS' });
    const t = await open(profile, { CLUSTRIX_TEST_KEY_PASS: passphrase });
    expect((await t.exec(['id', '-un'])).stdout).toBe(`${SSH_USER}\n`);
    await t.close();
    const err = await open({ ...profile, user: SSH_USER }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as Error).message).toContain(`identity file ${SSH_DIR}/id_ed25519_pass is encrypted and no passphrase was available`);
    expect((err as Error).message).toContain('$CLUSTRIX_TEST_KEY_PASS is not set');
    expect((err as Error).message).not.toContain(passphrase);
  });

  test('an encrypted key without passphraseEnv, on a terminal: the passphrase is asked for, without echo', async () => {
    const passphrase = readFileSync(`${SSH_DIR}/id_ed25519_pass.passphrase`, 'utf8').trim();
    const repo = fileURLToPath(new URL('../../..', import.meta.url));
    const tsx = join(repo, 'node_modules', '.bin', 'tsx');
    const fixture = fileURLToPath(new URL('./fixtures/ssh-prompt.ts', import.meta.url));
    const profile = sshProfile({ identityFile: `${SSH_DIR}/id_ed25519_pass`, user: SSH_USER });
    // `script` gives the child a real pseudo-terminal; we type the passphrase when asked
    const child = spawn('script', ['-qfec', `${tsx} --conditions=source ${fixture}`, '/dev/null'], {
      cwd: repo,
      env: { ...process.env, CLUSTRIX_TEST_PROFILE: JSON.stringify(profile) },
    });
    let out = '';
    let typed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (!typed && out.includes(`passphrase for ${SSH_DIR}/id_ed25519_pass:`)) {
        typed = true;
        child.stdin.write(`${passphrase}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(typed).toBe(true);
    expect(out).toContain(`logged in as ${SSH_USER}`);
    expect(out).not.toContain(passphrase);
    expect(code).toBe(0);
  }, 60_000);

  test('ssh-agent: a real agent holding the key logs in without any key file', async () => {
    const sock = join(local, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    execFileSync('ssh-add', [KEY], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
    const t = await open(sshProfile({ identityFile: join(local, 'no-such-key'), agent: sock, user: SSH_USER2 }));
    expect((await t.exec(['id', '-un'])).stdout).toBe(`${SSH_USER2}\n`);
  });

  test('password as the fallback, from the variable named by passwordEnv', async () => {
    const password = readFileSync(`${SSH_DIR}/${SSH_PW_USER}.password`, 'utf8').trim();
    const t = await open(sshProfile({ user: SSH_PW_USER, passwordEnv: 'CLUSTRIX_TEST_PW' }), { CLUSTRIX_TEST_PW: password });
    expect((await t.exec(['id', '-un'])).stdout).toBe(`${SSH_PW_USER}\n`);
    const err = await open(sshProfile({ user: SSH_PW_USER, passwordEnv: 'CLUSTRIX_TEST_PW' }), { CLUSTRIX_TEST_PW: 'wrong' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as Error).message).toContain('password from $CLUSTRIX_TEST_PW');
    expect((err as Error).message).not.toContain(password);
  });
});

describe('~/.ssh/config and ProxyJump', () => {
  test('a host alias from an ssh config file, reached through a jump host (ProxyJump) configured there too', async () => {
    const config = join(local, 'ssh_config');
    writeFileSync(
      config,
      `Host testbed-jumped\n  HostName 127.0.0.1\n  Port ${SSH_PORT}\n  User ${SSH_USER2}\n  IdentityFile ${KEY}\n  ProxyJump jumpbox\n\n` +
        `Host jumpbox\n  HostName 127.0.0.1\n  Port ${SSH_PORT}\n  User ${SSH_USER2}\n  IdentityFile ${KEY}\n\nHost *\n  UserKnownHostsFile ${KNOWN_HOSTS}\n  IdentityAgent none\n`,
    );
    const before = logOffset();
    const t = await open({ host: 'testbed-jumped', sshConfigFile: config });
    expect(t.host).toBe(`${SSH_USER2}@${TARGET} via ${SSH_USER2}@${TARGET}`);
    expect((await t.exec(['id', '-un'])).stdout).toBe(`${SSH_USER2}\n`);
    // two logins seen by the server (the jump host, then the target through it); only these tests use that user.
    // Wait for the server's log lines that prove them, not for a guessed delay.
    const accepted = () => logSince(before).filter((l) => l.startsWith(`Accepted publickey for ${SSH_USER2} `));
    expect(await waitFor(() => (accepted().length >= 2 ? accepted() : undefined), 'two logins in the sshd log')).toHaveLength(2);
    // the jump host forwarded the connection (direct-tcpip), so we opened one TCP connection
    expect(t.connection.stats.tcpConnections).toBe(1);
  });
});

describe('dropped connections', () => {
  // Needs root: it kills the sshd process serving our connection (see AS_ROOT).
  (AS_ROOT ? test : test.skip)('killing the server side of the connection fails what was in flight, and the next operation reconnects', async () => {
    const t = await open(sshProfile({ user: SSH_USER2 }));
    expect((await t.exec(['true'])).code).toBe(0);
    const port = t.connection.stats.localPorts[0]!;
    const started = `/tmp/clustrix-inflight-${process.pid}-${Date.now()}`;
    const inFlight = t.exec(['sh', '-c', 'touch "$1"; sleep 5', 'sh', started]);
    // kill once the command runs on the server (its marker exists), not after a guessed delay
    await waitFor(() => existsSync(started), 'the in-flight command to start');
    expect(killServerSide(port).length).toBeGreaterThan(0);
    await expect(inFlight).rejects.toThrow(/connection to .* was lost/);
    expect((await t.exec(['id', '-un'])).stdout).toBe(`${SSH_USER2}\n`);
    const profile = `/home/${SSH_USER2}/.profile`;
    const read = await t.readFiles([profile]);
    expect([...read.keys()]).toEqual([profile]);
    expect(read.get(profile)?.toString('utf8')).toBe(readFileSync(profile, 'utf8'));
    expect(t.connection.stats).toMatchObject({ tcpConnections: 2, reconnects: 1 });
  }, 30_000);

  // Needs root: it stops the sshd process serving our connection (see AS_ROOT).
  (AS_ROOT ? test : test.skip)('a server gone silent (its sshd stopped) is dropped after three keepalive intervals; the next operation reconnects', async () => {
    const t = await open(sshProfile({ user: SSH_USER2, keepaliveMs: 300 }));
    expect((await t.exec(['true'])).code).toBe(0);
    const pids = serverPidsFor(t.connection.stats.localPorts[0]!);
    expect(pids.length).toBeGreaterThan(0);
    for (const p of pids) process.kill(p, 'SIGSTOP');
    try {
      const started = Date.now();
      await expect(t.exec(['true'])).rejects.toThrow(/was lost/);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await t.exec(['id', '-un'])).stdout).toBe(`${SSH_USER2}\n`);
      expect(t.connection.stats.reconnects).toBe(1);
    } finally {
      for (const p of pids) process.kill(p, 'SIGKILL');
    }
  }, 30_000);
});
