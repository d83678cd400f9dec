/**
 * Where and how to connect, from a cluster profile and `~/.ssh/config` (parsed by the `ssh-config`
 * package; `Include` is followed). The profile's keys win over the file, as `ssh -o` does; the
 * file's first value wins within it, as in OpenSSH. `Match exec` is never run.
 */
import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../../errors.js';
import type { ClusterProfile } from '../../config/schema.js';

export interface SshHop {
  /** The name given (alias or address), for messages. */
  alias: string;
  /** Address to connect to (HostName). */
  hostName: string;
  port: number;
  user: string;
  /** The name its host key is recorded under (HostKeyAlias, else HostName). */
  hostKeyName: string;
  identityFiles: string[];
  /** True when the identity files came from the profile or the ssh config (not defaults). */
  identityFilesExplicit: boolean;
  identitiesOnly: boolean;
  /** ssh-agent socket, or undefined for no agent. */
  agent?: string;
}

export interface SshTarget extends SshHop {
  /** Jump hosts, first one dialled first. */
  jumps: SshHop[];
  knownHostsFiles: string[];
  hostKeyPolicy: 'strict' | 'accept-new';
  /** Offer `ssh-rsa` host key signatures (SHA-1): only when the profile opts in. */
  allowSha1Rsa?: boolean;
  keepaliveMs: number;
  connectTimeoutMs: number;
  passphraseEnv?: string;
  passwordEnv?: string;
  maxSessions: number;
  /** Where the settings came from, for messages. */
  configFile?: string;
}

export interface ResolveOptions {
  home?: string;
  localUser?: string;
  env?: NodeJS.ProcessEnv;
  clusterName?: string;
}

type Computed = Record<string, string | string[]>;

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Values of a directive: ssh-config already splits multi-value ones and unquotes (`"/a b/key"` stays one path). */
function list(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter(Boolean);
}

/** Expand `~` and the tokens OpenSSH allows in paths: %d %u %h %r %p %%. */
export function expandPath(path: string, ctx: { home: string; localUser: string; host?: string; user?: string; port?: number }): string {
  let p = path.replace(/%([%dhurp])/g, (_m, t: string) => {
    switch (t) {
      case '%':
        return '%';
      case 'd':
        return ctx.home;
      case 'u':
        return ctx.localUser;
      case 'h':
        return ctx.host ?? '';
      case 'r':
        return ctx.user ?? '';
      default:
        return String(ctx.port ?? '');
    }
  });
  if (p === '~') p = ctx.home;
  else if (p.startsWith('~/')) p = join(ctx.home, p.slice(2));
  return p;
}

/** The config text with `Include` lines replaced by the files they name (globs, relative to ~/.ssh). */
export function expandIncludes(text: string, home: string, depth = 0, readText: (f: string) => string = (f) => readFileSync(f, 'utf8'), globFiles: (pattern: string) => string[] = () => []): string {
  if (depth > 16) throw new ConfigError('ssh config: Include nests more than 16 levels (a loop?)', { scope: 'ssh' });
  return text
    .split(/\r?\n/)
    .map((line) => {
      const m = /^\s*include\s+(.+?)\s*$/i.exec(line);
      if (!m) return line;
      const parts = m[1]!.match(/"[^"]*"|\S+/g) ?? [];
      return parts
        .map((raw) => raw.replace(/^"|"$/g, ''))
        .map((p) => (p.startsWith('~') ? expandPath(p, { home, localUser: '' }) : isAbsolute(p) ? p : join(home, '.ssh', p)))
        .flatMap((p) => (/[*?[]/.test(p) ? globFiles(p).sort() : [p]))
        .map((f) => {
          try {
            return expandIncludes(readText(f), home, depth + 1, readText, globFiles);
          } catch (err) {
            if (err instanceof ConfigError) throw err;
            return '';
          }
        })
        .join('\n');
    })
    .join('\n');
}

export interface ParsedSshConfig {
  compute(host: string, user?: string): Computed;
  file?: string;
}

/** Read and parse an ssh config file (missing file: an empty config). */
export async function loadSshConfig(file: string | false | undefined, home: string): Promise<ParsedSshConfig> {
  if (file === false) return { compute: () => ({}) };
  const path = file ? expandPath(file, { home, localUser: '' }) : join(home, '.ssh', 'config');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (file) throw new ConfigError(`cannot read the ssh config file ${path}: ${(err as Error).message}. Fix \`sshConfigFile\` or set it to false`, { scope: 'ssh', keyPath: 'sshConfigFile', cause: err });
    return { compute: () => ({}) };
  }
  const { globSync } = await import('tinyglobby');
  const expanded = expandIncludes(text, home, 0, undefined, (pattern) => globSync(pattern, { absolute: true, dot: true }));
  const { default: SSHConfig } = await import('ssh-config');
  const parsed = SSHConfig.parse(expanded);
  return {
    file: path,
    compute: (host, user) => parsed.compute(user ? { Host: host, User: user } : { Host: host }, { ignoreCase: true, matchExec: false }) as Computed,
  };
}

/** `[user@]host[:port]`, `ssh://[user@]host[:port]`, IPv6 in brackets. */
export function parseJumpSpec(spec: string): { user?: string; host: string; port?: number } {
  let s = spec.trim().replace(/^ssh:\/\//, '');
  let user: string | undefined;
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    user = s.slice(0, at);
    s = s.slice(at + 1);
  }
  let host = s;
  let port: number | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2]) port = Number(bracket[2]);
  } else {
    const m = /^([^:]+):(\d+)$/.exec(s);
    if (m) {
      host = m[1]!;
      port = Number(m[2]);
    } else if (s.split(':').length === 2) host = ''; // 'host:' or ':port' or 'host:abc'
  }
  if (!host || (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))) {
    throw new ConfigError(`'${spec}' is not a jump host; expected [user@]host[:port] as in ssh -J`, { scope: 'ssh', keyPath: 'proxyJump' });
  }
  return { ...(user ? { user } : {}), host, ...(port !== undefined ? { port } : {}) };
}

interface HopInput {
  host: string;
  user?: string;
  port?: number;
  identityFile?: string | string[];
  agent?: boolean | string;
}

function resolveHop(input: HopInput, computed: Computed, ctx: Required<Pick<ResolveOptions, 'home' | 'localUser' | 'env'>>): SshHop {
  const hostName = expandPath(first(computed.hostname) ?? input.host, { home: ctx.home, localUser: ctx.localUser, host: input.host });
  const portRaw = input.port ?? (first(computed.port) ? Number(first(computed.port)) : 22);
  if (!Number.isInteger(portRaw) || portRaw < 1 || portRaw > 65535) {
    throw new ConfigError(`ssh config gives port '${String(first(computed.port))}' for ${input.host}; expected 1-65535`, { scope: 'ssh', keyPath: 'port' });
  }
  const user = input.user ?? first(computed.user) ?? ctx.localUser;
  const pathCtx = { home: ctx.home, localUser: ctx.localUser, host: hostName, user, port: portRaw };
  const fromProfile = input.identityFile === undefined ? [] : Array.isArray(input.identityFile) ? input.identityFile : [input.identityFile];
  const fromConfig = list(computed.identityfile).filter((f) => f.toLowerCase() !== 'none');
  const explicit = fromProfile.length ? fromProfile : fromConfig;
  const identityFiles = (explicit.length ? explicit : DEFAULT_IDENTITIES.map((n) => join(ctx.home, '.ssh', n))).map((f) => resolve(expandPath(f, pathCtx)));
  const identitiesOnly = /^yes$/i.test(first(computed.identitiesonly) ?? '');
  let agent: string | undefined;
  if (input.agent === false) agent = undefined;
  else if (typeof input.agent === 'string') agent = expandPath(input.agent, pathCtx);
  else {
    const configured = first(computed.identityagent);
    if (configured === undefined || configured === 'SSH_AUTH_SOCK') agent = ctx.env.SSH_AUTH_SOCK || undefined;
    else if (/^none$/i.test(configured)) agent = undefined;
    else if (configured.startsWith('$')) agent = ctx.env[configured.slice(1)] || undefined;
    else agent = expandPath(configured, pathCtx);
    // IdentitiesOnly: keys named in the profile/config only (the agent only when asked for explicitly).
    if (identitiesOnly && explicit.length && input.agent !== true) agent = undefined;
  }
  return {
    alias: input.host,
    hostName,
    port: portRaw,
    user,
    hostKeyName: first(computed.hostkeyalias) ?? hostName,
    identityFiles,
    identityFilesExplicit: explicit.length > 0,
    identitiesOnly,
    ...(agent ? { agent } : {}),
  };
}

type HopContext = Required<Pick<ResolveOptions, 'home' | 'localUser' | 'env'>>;

/** The jump hosts: the profile's `proxyJump` or the config's ProxyJump. A ProxyCommand is refused (Clustrix does not run one). */
function resolveJumps(profile: ClusterProfile, computed: Computed, sshConfig: ParsedSshConfig, ctx: HopContext): SshHop[] {
  const jumpSpec = profile.proxyJump ?? first(computed.proxyjump);
  const unsupportedProxy = first(computed.proxycommand);
  const jumps: SshHop[] = [];
  if (jumpSpec && !/^none$/i.test(jumpSpec)) {
    for (const spec of jumpSpec.split(',')) {
      const j = parseJumpSpec(spec);
      const jc = sshConfig.compute(j.host, j.user);
      jumps.push(resolveHop({ host: j.host, ...(j.user ? { user: j.user } : {}), ...(j.port ? { port: j.port } : {}), ...(profile.agent !== undefined ? { agent: profile.agent } : {}) }, jc, ctx));
    }
  } else if (unsupportedProxy && !/^none$/i.test(unsupportedProxy)) {
    throw new ConfigError(
      `${sshConfig.file ?? 'the ssh config'} sets ProxyCommand for ${profile.host}, which Clustrix does not run; use ProxyJump there, or set \`proxyJump\` in the cluster profile`,
      { scope: 'ssh', keyPath: 'proxyJump' },
    );
  }
  return jumps;
}

/** The known_hosts files to check: the profile's, else the config's UserKnownHostsFile (or ssh's defaults) and GlobalKnownHostsFile. */
function knownHostsFilesOf(profile: ClusterProfile, computed: Computed, expand: Parameters<typeof expandPath>[1]): string[] {
  const khFromProfile = profile.knownHostsFile === undefined ? [] : Array.isArray(profile.knownHostsFile) ? profile.knownHostsFile : [profile.knownHostsFile];
  const khFromConfig = list(computed.userknownhostsfile).filter((f) => !/^none$/i.test(f));
  return (khFromProfile.length ? khFromProfile : khFromConfig.length ? khFromConfig : ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'])
    .concat(khFromProfile.length ? [] : list(computed.globalknownhostsfile).length ? list(computed.globalknownhostsfile) : ['/etc/ssh/ssh_known_hosts'])
    .map((f) => resolve(expandPath(f, expand)));
}

/** Resolve a profile (host, user, port, ...) against the ssh config into what to dial. */
export async function resolveSshTarget(profile: ClusterProfile, options: ResolveOptions = {}): Promise<SshTarget> {
  const home = options.home ?? homedir();
  const env = options.env ?? process.env;
  let localUser = options.localUser;
  if (!localUser) {
    try {
      localUser = userInfo().username;
    } catch {
      localUser = env.USER ?? 'root';
    }
  }
  const host = profile.host;
  if (!host) throw new ConfigError('an SSH cluster needs `host`', { scope: 'ssh', keyPath: 'host' });
  const sshConfig = await loadSshConfig(profile.sshConfigFile as string | false | undefined, home);
  const ctx = { home, localUser, env };
  const computed = sshConfig.compute(host, profile.user);
  const target = resolveHop(
    {
      host,
      ...(profile.user ? { user: profile.user } : {}),
      ...(profile.port ? { port: profile.port } : {}),
      ...(profile.identityFile ? { identityFile: profile.identityFile } : {}),
      ...(profile.agent !== undefined ? { agent: profile.agent } : {}),
    },
    computed,
    ctx,
  );
  const jumps = resolveJumps(profile, computed, sshConfig, ctx);
  const knownHostsFiles = knownHostsFilesOf(profile, computed, { home, localUser, host: target.hostName, user: target.user, port: target.port });
  const strict = first(computed.stricthostkeychecking)?.toLowerCase();
  const hostKeyPolicy = profile.hostKeyPolicy ?? (strict === 'accept-new' || strict === 'no' || strict === 'off' ? 'accept-new' : 'strict');
  const aliveSeconds = Number(first(computed.serveraliveinterval));
  const connectSeconds = Number(first(computed.connecttimeout));
  return {
    ...target,
    jumps,
    knownHostsFiles: [...new Set(knownHostsFiles)],
    hostKeyPolicy,
    ...(profile.allowSha1Rsa === true ? { allowSha1Rsa: true } : {}),
    keepaliveMs: profile.keepaliveMs ?? (aliveSeconds > 0 ? aliveSeconds * 1000 : 15_000),
    connectTimeoutMs: profile.connectTimeoutMs ?? (connectSeconds > 0 ? connectSeconds * 1000 : 20_000),
    maxSessions: typeof profile.maxSessions === 'number' ? profile.maxSessions : 10,
    ...(profile.passphraseEnv ? { passphraseEnv: profile.passphraseEnv } : {}),
    ...(profile.passwordEnv ? { passwordEnv: profile.passwordEnv } : {}),
    ...(sshConfig.file ? { configFile: sshConfig.file } : {}),
  };
}

/** `user@host:port` (and the jumps), for messages and as the key of a shared connection. */
export function describeTarget(t: Pick<SshTarget, 'user' | 'hostName' | 'port'> & { jumps?: SshHop[] }): string {
  const self = `${t.user}@${t.hostName}:${t.port}`;
  return t.jumps?.length ? `${self} via ${t.jumps.map((j) => `${j.user}@${j.hostName}:${j.port}`).join(' → ')}` : self;
}

