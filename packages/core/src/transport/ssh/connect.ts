/**
 * Dialling one SSH hop (node-ssh over ssh2): TCP, or a `direct-tcpip` channel of the previous hop
 * for ProxyJump; the host key checked against known_hosts before anything else happens; then the
 * auth plan. Failures become HostKeyError / AuthenticationError / TransportError naming the host.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import type { NodeSSH } from 'node-ssh';
import { AuthenticationError, HostKeyError, TransportError } from '../../errors.js';
import { logger } from '../../util/debug.js';
import { authHandler, type AuthPlan } from './auth.js';
import {
  appendKnownHost,
  fingerprint,
  hostEntryName,
  hostKeyAlgorithms,
  keyTypeOf,
  knownHostsLine,
  preferredHostKeyAlgorithms,
  readHostKeys,
  verifyHostKey,
} from './known-hosts.js';
import type { SshHop, SshTarget } from './ssh-config.js';

const log = logger('ssh');


export interface HopContext {
  target: SshTarget;
  clusterName?: string;
  /** Records each TCP connection made (for stats and tests). */
  onTcp?: (socket: Socket) => void;
}

function where(hop: SshHop): string {
  return `${hop.user}@${hop.hostName}:${hop.port}`;
}

function profileKey(ctx: HopContext, key: string): string {
  return ctx.clusterName ? `clusters.${ctx.clusterName}.${key}` : key;
}

export function dialTcp(hop: SshHop, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: hop.hostName, port: hop.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TransportError(`cannot reach ${hop.hostName}:${hop.port}: no answer within ${timeoutMs} ms. Check \`host\`/\`port\` (or connectTimeoutMs)`, { scope: 'ssh' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new TransportError(`cannot reach ${hop.hostName}:${hop.port}: ${err.code ?? err.message}. Check \`host\` and \`port\``, { scope: 'ssh', cause: err }));
    });
  });
}

function forwardOut(via: Client, hop: SshHop): Promise<Duplex> {
  return new Promise((resolve, reject) =>
    via.forwardOut('127.0.0.1', 0, hop.hostName, hop.port, (err, channel) =>
      err
        ? reject(new TransportError(`the jump host could not open a connection to ${hop.hostName}:${hop.port}: ${err.message}`, { scope: 'ssh', cause: err }))
        : resolve(channel),
    ),
  );
}

/** The host verifier: returns a promise of the failure (if any) so the caller can report it. */
function hostVerifier(hop: SshHop, ctx: HopContext, known: Awaited<ReturnType<typeof readHostKeys>>, failure: { error?: HostKeyError }) {
  const files = ctx.target.knownHostsFiles;
  const entryName = hostEntryName(hop.hostKeyName, hop.port);
  return (key: Buffer, verify: (ok: boolean) => void): void => {
    const verdict = verifyHostKey(known, key);
    const fp = fingerprint(key);
    const type = keyTypeOf(key);
    const scan = `ssh-keyscan${hop.port === 22 ? '' : ` -p ${hop.port}`} -t ${type.replace(/^ssh-/, '').replace(/^ecdsa-sha2-nistp\d+$/, 'ecdsa')} ${hop.hostName} >> ${files[0]}`;
    if (verdict.status === 'known') return verify(true);
    if (verdict.status === 'unknown' && ctx.target.hostKeyPolicy === 'accept-new') {
      appendKnownHost(files[0]!, knownHostsLine(hop.hostKeyName, hop.port, key))
        .then(() => {
          log('accept-new: added %s %s to %s', entryName, fp, files[0]);
          verify(true);
        })
        .catch((err: Error) => {
          failure.error = new HostKeyError(`cannot record the new host key of ${entryName} in ${files[0]}: ${err.message}`, { fingerprint: fp, cause: err });
          verify(false);
        });
      return;
    }
    if (verdict.status === 'unknown') {
      failure.error = new HostKeyError(
        `the host key of ${entryName} is not known (${type} ${fp}); nothing was run there. ` +
          `Check this fingerprint with the cluster's administrators, then trust it: ${scan} ` +
          `(or connect once with \`ssh${hop.port === 22 ? '' : ` -p ${hop.port}`} ${hop.user}@${hop.hostName}\` and answer yes), ` +
          `or set ${profileKey(ctx, 'hostKeyPolicy')}: 'accept-new'. Looked in: ${files.join(', ')}`,
        { fingerprint: fp },
      );
    } else if (verdict.status === 'changed' && verdict.otherType) {
      const at = verdict.entries.map((e) => `${e.keyType} at ${e.file}:${e.line}`).join(', ');
      failure.error = new HostKeyError(
        `the host key of ${entryName} has CHANGED: it presented a ${type} key (${fp}) but only other key types are known for it (${at}); nothing was run there` +
          `${ctx.target.hostKeyPolicy === 'accept-new' ? ' and the key was not added (accept-new adds keys only for hosts with none known)' : ''}. ` +
          `Someone may be intercepting the connection, or the host's keys were replaced. If the administrators confirm the new key: ` +
          `ssh-keygen -R '${entryName}' -f ${verdict.entries[0]!.file}, then ${scan}`,
        { fingerprint: fp },
      );
    } else if (verdict.status === 'changed') {
      const at = verdict.entries.map((e) => `${e.file}:${e.line}`).join(', ');
      failure.error = new HostKeyError(
        `the host key of ${entryName} has CHANGED (now ${type} ${fp}; known at ${at}); nothing was run there. ` +
          `Someone may be intercepting the connection, or the host was reinstalled. If the administrators confirm the new key: ` +
          `ssh-keygen -R '${entryName}' -f ${verdict.entries[0]!.file}, then ${scan}`,
        { fingerprint: fp },
      );
    } else {
      failure.error = new HostKeyError(`the host key of ${entryName} (${type} ${fp}) is marked @revoked in ${verdict.entry.file}:${verdict.entry.line}; refusing to connect`, {
        fingerprint: fp,
      });
    }
    verify(false);
  };
}

/** Connect one hop; `via` is the previous hop's client (ProxyJump), undefined for the first. */
export async function connectHop(hop: SshHop, via: Client | undefined, plan: AuthPlan, ctx: HopContext): Promise<NodeSSH> {
  const { NodeSSH } = await import('node-ssh');
  const timeoutMs = ctx.target.connectTimeoutMs;
  let sock: Duplex;
  if (via) sock = await forwardOut(via, hop);
  else {
    const tcp = await dialTcp(hop, timeoutMs);
    ctx.onTcp?.(tcp);
    sock = tcp;
  }
  const known = await readHostKeys(ctx.target.knownHostsFiles, hop.hostKeyName, hop.port);
  const failure: { error?: HostKeyError } = {};
  const tried: string[] = [];
  const ssh = new NodeSSH();
  try {
    await ssh.connect({
      sock,
      username: hop.user,
      authHandler: authHandler(plan, tried),
      hostVerifier: hostVerifier(hop, ctx, known, failure) as unknown as (key: Buffer) => boolean,
      algorithms: { serverHostKey: preferredHostKeyAlgorithms([...new Set(known.filter((k) => !k.marker).map((k) => k.keyType))], hostKeyAlgorithms(ctx.target.allowSha1Rsa === true)) as never },
      readyTimeout: timeoutMs,
      keepaliveInterval: 0,
    });
  } catch (err) {
    sock.destroy();
    ssh.dispose();
    if (failure.error) throw failure.error;
    const e = err as Error & { level?: string };
    if (e.level === 'client-authentication' || /authentication methods failed/i.test(e.message)) {
      const triedText = tried.length ? `tried ${tried.join(', ')}` : 'had no credential to offer';
      const notes = plan.notes.length ? `; ${plan.notes.join('; ')}` : '';
      throw new AuthenticationError(
        `cannot log in to ${where(hop)} as user '${hop.user}': the server refused every method (${triedText})${notes}. ` +
          `Check ${profileKey(ctx, 'user')} and ${profileKey(ctx, 'identityFile')} (or load the key into ssh-agent; \`passwordEnv\` names a password variable)`,
        { cause: err },
      );
    }
    const sha1Hint = /no matching host key/i.test(e.message) && !ctx.target.allowSha1Rsa
      ? `. The server may offer only ssh-rsa host key signatures (SHA-1), which are not accepted unless ${profileKey(ctx, 'allowSha1Rsa')}: true; better, ask its administrators for an ed25519 or rsa-sha2 host key`
      : '';
    throw new TransportError(`cannot open an SSH connection to ${where(hop)}: ${e.message}${sha1Hint}`, { scope: 'ssh', cause: err });
  }
  log('connected to %s%s', where(hop), via ? ' (through the jump host)' : '');
  return ssh;
}

/**
 * Dial every hop in order (jump hosts first, each through the one before) and return them with the TCP
 * socket of the first. A failure disposes of what was made.
 */
export async function connectHops(hops: readonly SshHop[], plans: readonly AuthPlan[], ctx: HopContext): Promise<{ made: NodeSSH[]; socket: Socket | undefined }> {
  const made: NodeSSH[] = [];
  let socket: Socket | undefined;
  try {
    for (let i = 0; i < hops.length; i++) {
      const via = made[i - 1]?.connection ?? undefined;
      made.push(
        await connectHop(hops[i]!, via, plans[i]!, {
          ...ctx,
          onTcp: (s) => {
            socket = s;
            ctx.onTcp?.(s);
          },
        }),
      );
    }
  } catch (err) {
    for (const m of made) m.dispose();
    socket?.destroy();
    throw err;
  }
  return { made, socket };
}
