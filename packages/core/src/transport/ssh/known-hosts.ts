/**
 * known_hosts, as OpenSSH reads it: plain and hashed (`|1|salt|hmac`) host fields, comma lists,
 * `*`/`?` wildcards, `!negation`, `[host]:port` for ports other than 22, and the `@revoked` marker
 * (`@cert-authority` lines are skipped: host certificates are not supported). Pure functions over
 * text, plus reading and appending files.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface KnownHostEntry {
  /** The key type written on the line (`ssh-ed25519`...). */
  keyType: string;
  /** Raw public key blob. */
  key: Buffer;
  marker?: 'revoked' | 'cert-authority';
  file: string;
  line: number;
}

/** The name a host is recorded under: `host` on port 22, else `[host]:port`. */
export function hostEntryName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's glob: `*` any run, `?` one character, case-insensitive. */
function globMatch(text: string, pattern: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(text);
}

function hashedMatch(name: string, field: string): boolean {
  const parts = field.split('|');
  // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const want = Buffer.from(parts[3]!, 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return got.length === want.length && got.equals(want);
}

/** Does a known_hosts host field (one line's first column) name `host`:`port`? */
export function hostFieldMatches(field: string, host: string, port: number): boolean {
  const name = hostEntryName(host, port);
  if (field.startsWith('|')) return hashedMatch(name, field);
  let positive = false;
  for (const raw of field.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!pattern) continue;
    if (globMatch(name, pattern)) {
      if (negated) return false;
      positive = true;
    }
  }
  return positive;
}

/** Parse known_hosts text; keeps only lines that name `host`:`port`. */
export function findHostKeys(text: string, host: string, port: number, file = 'known_hosts'): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return;
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64) return;
    if (!hostFieldMatches(hosts, host, port)) return;
    let key: Buffer;
    try {
      key = Buffer.from(b64, 'base64');
    } catch {
      return;
    }
    if (key.length === 0) return;
    out.push({ keyType, key, file, line: i + 1, ...(marker ? { marker } : {}) });
  });
  return out;
}

/** The key type inside an SSH public key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:<base64, no padding>`, as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export type HostKeyVerdict =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'unknown'; knownTypes: string[] }
  /** `otherType`: the host offered a key type not known for it while other types are (OpenSSH refuses this too). */
  | { status: 'changed'; entries: KnownHostEntry[]; otherType?: boolean }
  | { status: 'revoked'; entry: KnownHostEntry };

/**
 * Compare the key a server offered with the known entries for it. A key of a type not recorded for
 * the host while keys of other types are is a changed key, not a new one: a man in the middle
 * holding no copy of the host's key would otherwise just offer another type to be accepted.
 */
export function verifyHostKey(entries: readonly KnownHostEntry[], offered: Buffer): HostKeyVerdict {
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(offered));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = entries.filter((e) => !e.marker);
  const same = plain.find((e) => e.key.equals(offered));
  if (same) return { status: 'known', entry: same };
  const type = keyTypeOf(offered);
  const sameType = plain.filter((e) => e.keyType === type);
  if (sameType.length) return { status: 'changed', entries: sameType };
  if (plain.length) return { status: 'changed', entries: plain, otherType: true };
  return { status: 'unknown', knownTypes: [] };
}

/** Read every file (missing ones are empty) and return the entries for `host`:`port`. */
export async function readHostKeys(files: readonly string[], host: string, port: number): Promise<KnownHostEntry[]> {
  const all = await Promise.all(
    files.map(async (f) => {
      try {
        return findHostKeys(await readFile(f, 'utf8'), host, port, f);
      } catch {
        return [];
      }
    }),
  );
  return all.flat();
}

/** A known_hosts line for `host`:`port`; hashed like `ssh-keygen -H` when `hash` is set. */
export function knownHostsLine(host: string, port: number, blob: Buffer, hash = false): string {
  const name = hostEntryName(host, port);
  let field = name;
  if (hash) {
    const salt = randomBytes(20);
    field = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  return `${field} ${keyTypeOf(blob)} ${blob.toString('base64')}`;
}

/** Append a line (accept-new), creating the file 0600 and its folder 0700. */
export async function appendKnownHost(file: string, line: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  try {
    const current = await readFile(file, 'utf8');
    if (current.length && !current.endsWith('\n')) prefix = '\n';
  } catch {
    /* new file */
  }
  await appendFile(file, `${prefix}${line}\n`, { mode: 0o600 });
}

/** Host key signature algorithms offered by default: ssh2's list without `ssh-rsa` (RSA with SHA-1). */
export const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'];

/** What a connection offers: `ssh-rsa` (SHA-1 signatures) only when the profile sets `allowSha1Rsa`. */
export function hostKeyAlgorithms(allowSha1Rsa: boolean): string[] {
  return allowSha1Rsa ? [...HOST_KEY_ALGORITHMS, 'ssh-rsa'] : [...HOST_KEY_ALGORITHMS];
}

/** Key types we can ask the server for, ordered so that types already known for the host come first. */
export function preferredHostKeyAlgorithms(knownTypes: readonly string[], supported: readonly string[]): string[] {
  const expand = (t: string): string[] => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]);
  const first = knownTypes.flatMap(expand).filter((t) => supported.includes(t));
  return [...new Set([...first, ...supported])];
}
