/**
 * ONE SSH connection to a host (plus one per jump host), shared by every job and every status
 * check: commands run as channels on it (at most `maxSessions - 2` at once), files move over one
 * SFTP channel on it. A keepalive probes it; when it drops, the next operation reconnects with
 * backoff (0.5 s doubling to 30 s) and idempotent file operations are retried once. While nothing
 * is in flight the socket is unref'd, so an idle connection never keeps a process alive.
 */
import type { Socket } from 'node:net';
import type { SFTPWrapper } from 'ssh2';
import type { NodeSSH } from 'node-ssh';
import { TransportError } from '../../errors.js';
import { logger } from '../../util/debug.js';
import { buildAuthPlan, ttyPrompt, type AuthPlan } from './auth.js';
import { abortError, ConnectionLostError, runCommand, type ExecOutput } from './channel.js';
import { connectHops } from './connect.js';
import { sftpOps } from './sftp.js';
import { describeTarget, type SshTarget } from './ssh-config.js';

const log = logger('ssh');

export interface ConnectionStats {
  /** TCP connections opened (to the host, or to the first jump host). */
  tcpConnections: number;
  /** Local ports of those connections. */
  localPorts: number[];
  /** Successful reconnections after a drop. */
  reconnects: number;
  /** Commands run. */
  execs: number;
  /** Most channels open at once. */
  peakChannels: number;
}

const BACKOFF_MS = [0, 500, 1000, 2000, 4000, 8000, 16000, 30000];

export { ConnectionLostError, type ExecOutput } from './channel.js';

export class SshConnection {
  readonly label: string;
  readonly stats: ConnectionStats = { tcpConnections: 0, localPorts: [], reconnects: 0, execs: 0, peakChannels: 0 };
  private ssh: NodeSSH | undefined;
  private hops: NodeSSH[] = [];
  private socket: Socket | undefined;
  private connecting: Promise<NodeSSH> | undefined;
  private sftpSession: Promise<SFTPWrapper> | undefined;
  private plans: AuthPlan[] | undefined;
  private failures = 0;
  private lastFailureAt = 0;
  private everConnected = false;
  private closed = false;
  private inflight = 0;
  private channelsOpen = 0;
  private readonly channelWaiters: Array<() => void> = [];
  private readonly onLost = new Set<(err: Error) => void>();
  private keepalive: NodeJS.Timeout | undefined;
  /** When the server last sent anything. */
  private lastHeard = 0;

  constructor(
    readonly target: SshTarget,
    private readonly options: { clusterName?: string; env?: NodeJS.ProcessEnv } = {},
  ) {
    this.label = describeTarget(target);
  }

  get connected(): boolean {
    return this.ssh !== undefined;
  }

  private get maxChannels(): number {
    return Math.max(1, this.target.maxSessions - 2);
  }

  // ---- keeping the process alive only while something is in flight

  private hold(): void {
    if (this.inflight++ === 0) this.socket?.ref();
  }

  private release(): void {
    if (--this.inflight === 0) this.socket?.unref();
  }

  // ---- connecting

  private async authPlans(): Promise<AuthPlan[]> {
    if (this.plans) return this.plans;
    const secrets = {
      ...(this.target.passphraseEnv ? { passphraseEnv: this.target.passphraseEnv } : {}),
      ...(this.target.passwordEnv ? { passwordEnv: this.target.passwordEnv } : {}),
      env: this.options.env ?? process.env,
      prompt: ttyPrompt(),
    };
    const hops = [...this.target.jumps, this.target];
    this.plans = await Promise.all(hops.map((h) => buildAuthPlan(h, secrets)));
    return this.plans;
  }

  private ensure(): Promise<NodeSSH> {
    if (this.closed) return Promise.reject(new TransportError(`the connection to ${this.label} was closed (shutdown() was called)`, { scope: 'ssh' }));
    if (this.ssh) return Promise.resolve(this.ssh);
    this.connecting ??= this.connectWithBackoff().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connectWithBackoff(): Promise<NodeSSH> {
    const wait = BACKOFF_MS[Math.min(this.failures, BACKOFF_MS.length - 1)]! - (Date.now() - this.lastFailureAt);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    try {
      const ssh = await this.connectChain();
      if (this.everConnected) this.stats.reconnects++;
      this.everConnected = true;
      this.failures = 0;
      return ssh;
    } catch (err) {
      this.failures++;
      this.lastFailureAt = Date.now();
      throw err;
    }
  }

  private async connectChain(): Promise<NodeSSH> {
    const plans = await this.authPlans();
    const { made, socket } = await connectHops([...this.target.jumps, this.target], plans, {
      target: this.target,
      ...(this.options.clusterName ? { clusterName: this.options.clusterName } : {}),
      onTcp: (s) => {
        this.stats.tcpConnections++;
        if (s.localPort) this.stats.localPorts.push(s.localPort);
      },
    });
    for (const m of made) {
      const c = m.connection!;
      c.on('error', (e: Error) => log('connection error on %s: %s', this.label, e.message));
      c.once('close', () => this.lost(m));
    }
    this.hops = made;
    this.socket = socket;
    this.lastHeard = Date.now();
    (socket as Socket | undefined)?.on('data', () => (this.lastHeard = Date.now()));
    this.ssh = made[made.length - 1]!;
    if (this.inflight === 0) socket?.unref();
    this.startKeepalive();
    return this.ssh;
  }

  /** The connection (or a jump below it) closed: forget it, fail what was in flight. */
  private lost(which: NodeSSH): void {
    if (!this.hops.includes(which)) return;
    log('connection to %s lost', this.label);
    const hops = this.hops;
    this.hops = [];
    this.ssh = undefined;
    this.sftpSession = undefined;
    this.socket = undefined;
    for (const h of hops) h.dispose();
    const err = new ConnectionLostError(`the SSH connection to ${this.label} was lost; it is reopened on the next operation`, { scope: 'ssh' });
    for (const f of [...this.onLost]) f(err);
  }

  /**
   * Keepalive: any byte from the server proves the connection alive; after `keepaliveMs` of silence a
   * cheap SFTP request is sent, and after three intervals of silence the connection is dropped (the
   * next operation reconnects). A long transfer keeps the server talking, so it is never cut short.
   */
  private startKeepalive(): void {
    if (this.keepalive || this.target.keepaliveMs <= 0) return;
    const every = this.target.keepaliveMs;
    this.keepalive = setInterval(() => {
      if (!this.ssh || this.closed) return;
      const silent = Date.now() - this.lastHeard;
      if (silent > every * 3) {
        log('keepalive: nothing from %s for %d ms; dropping the connection', this.label, silent);
        const ssh = this.ssh;
        this.socket?.destroy();
        this.lost(ssh);
      } else if (silent >= every) {
        this.sftp()
          .then((sftp) => sftpOps.realpath(sftp, '.'))
          .catch(() => undefined);
      }
    }, every);
    this.keepalive.unref();
  }

  // ---- channels

  private async acquireChannel(signal?: AbortSignal): Promise<void> {
    while (this.channelsOpen >= this.maxChannels) {
      if (signal?.aborted) throw abortError(signal);
      await new Promise<void>((r) => this.channelWaiters.push(r));
    }
    this.channelsOpen++;
    this.stats.peakChannels = Math.max(this.stats.peakChannels, this.channelsOpen);
  }

  private releaseChannel(): void {
    this.channelsOpen--;
    this.channelWaiters.shift()?.();
  }

  /** Run a shell command line on the host (the caller quotes it). */
  async exec(command: string, options: { stdin?: string | Uint8Array; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<ExecOutput> {
    if (options.signal?.aborted) throw abortError(options.signal);
    this.hold();
    let acquired = false;
    try {
      await this.acquireChannel(options.signal);
      acquired = true;
      for (let attempt = 0; ; attempt++) {
        const ssh = await this.ensure();
        try {
          this.stats.execs++;
          return await runCommand(ssh.connection!, command, options, this.label, this.onLost);
        } catch (err) {
          // The server refused a channel (MaxSessions reached by other clients): wait and retry.
          if ((err as { openFailure?: boolean }).openFailure && attempt < 20) {
            await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
            continue;
          }
          throw err;
        }
      }
    } finally {
      if (acquired) this.releaseChannel();
      this.release();
    }
  }

  // ---- SFTP

  private sftp(): Promise<SFTPWrapper> {
    if (this.sftpSession) return this.sftpSession;
    const p = this.ensure().then((ssh) => ssh.requestSFTP());
    this.sftpSession = p;
    p.then(
      (s) => s.once('close', () => this.sftpSession === p && (this.sftpSession = undefined)),
      () => this.sftpSession === p && (this.sftpSession = undefined),
    );
    return p;
  }

  /** Run SFTP requests; idempotent ones (`retry`) run once more after a reconnect if the connection dropped. */
  async withSftp<T>(fn: (sftp: SFTPWrapper) => Promise<T>, retry = true): Promise<T> {
    this.hold();
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.raceLost(this.sftp().then(fn));
        } catch (err) {
          if (retry && attempt === 0 && err instanceof ConnectionLostError) continue;
          throw err;
        }
      }
    } finally {
      this.release();
    }
  }

  private raceLost<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onLost = (e: Error) => reject(e);
      this.onLost.add(onLost);
      p.then(resolve, reject).finally(() => this.onLost.delete(onLost));
    });
  }

  /** Make sure the connection is up (connects now, with backoff after failures). */
  async open(): Promise<void> {
    this.hold();
    try {
      await this.ensure();
    } finally {
      this.release();
    }
  }

  /** Drop the connection as if the network failed (tests). */
  drop(): void {
    if (this.ssh) {
      const s = this.ssh;
      this.socket?.destroy();
      this.lost(s);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.keepalive) clearInterval(this.keepalive);
    const hops = this.hops;
    this.hops = [];
    this.ssh = undefined;
    this.sftpSession = undefined;
    for (const h of hops.reverse()) h.dispose();
    this.socket?.destroy();
    this.socket = undefined;
  }
}
