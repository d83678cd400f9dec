/**
 * One command on one SSH channel of the shared connection: output collected as Buffers, stdin
 * written and closed, an AbortSignal or a timeout closes the channel (the remote command gets no
 * signal: OpenSSH does not forward them), and a dropped connection rejects it at once.
 */
import type { Client, ClientChannel } from 'ssh2';
import { TransportError } from '../../errors.js';

export interface ExecOutput {
  stdout: Buffer;
  stderr: Buffer;
  code: number;
}

/** The connection dropped while the operation was in flight. */
export class ConnectionLostError extends TransportError {}

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error('The operation was aborted');
  e.name = 'AbortError';
  return e;
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ABRT: 6, KILL: 9, SEGV: 11, PIPE: 13, ALRM: 14, TERM: 15 };

export function runCommand(
client: Client,
command: string,
options: { stdin?: string | Uint8Array; signal?: AbortSignal; timeoutMs?: number },
label: string,
lostListeners: Set<(err: Error) => void>,
): Promise<ExecOutput> {
  return new Promise<ExecOutput>((resolve, reject) => {
    let settled = false;
    let channel: ClientChannel | undefined;
    let stopTimer: (() => void) | undefined;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      lostListeners.delete(onLost);
      options.signal?.removeEventListener('abort', onAbort);
      stopTimer?.();
      fn();
    };
    const onLost = (e: Error) => finish(() => reject(e));
    const onAbort = () => {
      channel?.close();
      finish(() => reject(abortError(options.signal!)));
    };
    lostListeners.add(onLost);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    client.exec(command, (openErr, ch) => {
      if (openErr) {
        const e = new TransportError(`cannot open a channel on ${label}: ${openErr.message}`, { scope: 'ssh', cause: openErr }) as TransportError & { openFailure?: boolean };
        e.openFailure = /open failure|open failed|administratively prohibited/i.test(openErr.message);
        return finish(() => reject(e));
      }
      channel = ch;
      if (settled) {
        ch.close();
        return;
      }
      stopTimer = drainChannel(ch, options, (output) => finish(() => resolve(output)));
    });
  });
}

/**
 * Send stdin, read stdout and stderr to the channel's end, and hand over the output with the exit code
 * (128+N when killed by signal N; 124 when `timeoutMs` closed it first). Returns what stops the timer.
 */
function drainChannel(ch: ClientChannel, options: { stdin?: string | Uint8Array; timeoutMs?: number }, onEnd: (output: ExecOutput) => void): () => void {
  let timedOut = false;
  let code: number | undefined;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const timer = options.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        ch.close();
      }, options.timeoutMs)
    : undefined;
  ch.on('data', (d: Buffer) => out.push(d));
  ch.stderr.on('data', (d: Buffer) => err.push(d));
  ch.on('exit', (c: number | null, sig?: string) => {
    code = c ?? (sig ? 128 + (SIGNALS[sig.replace(/^SIG/, '')] ?? 0) : 255);
  });
  ch.on('close', () => onEnd({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), code: timedOut ? 124 : code ?? 255 }));
  ch.on('error', () => undefined);
  if (options.stdin !== undefined) ch.end(Buffer.from(options.stdin));
  else ch.end();
  return () => {
    if (timer) clearTimeout(timer);
  };
}
