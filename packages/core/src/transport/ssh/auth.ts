/**
 * Credentials for one hop, tried in OpenSSH's order: ssh-agent, then identity files (a passphrase
 * comes from the env variable named by `passphraseEnv`, or a prompt when on a TTY), then a password
 * from the env variable named by `passwordEnv` (as `password` and `keyboard-interactive`). Secrets
 * never appear in messages: only file names, env variable names and what the server said.
 */
import { readFile, stat } from 'node:fs/promises';
import type { AnyAuthMethod, AuthHandlerMiddleware, AuthenticationType, ParsedKey } from 'ssh2';
import type { SshHop } from './ssh-config.js';

export interface AuthPlan {
  methods: Array<{ label: string; method: AnyAuthMethod }>;
  /** Why some credentials were not offered (missing key, encrypted without passphrase...). */
  notes: string[];
}

export interface AuthSecrets {
  passphraseEnv?: string;
  passwordEnv?: string;
  env?: NodeJS.ProcessEnv;
  /** Ask for a passphrase (TTY). Undefined: no prompt possible. */
  prompt?: (question: string) => Promise<string>;
}

/** Read a line without echo from the terminal. */
export function ttyPrompt(): ((question: string) => Promise<string>) | undefined {
  const stdin = process.stdin;
  if (!stdin.isTTY || !process.stderr.isTTY) return undefined;
  return (question) =>
    new Promise((resolvePromise, reject) => {
      // echo off BEFORE the question shows: a passphrase typed as soon as the question appears is never echoed
      stdin.setRawMode(true);
      stdin.resume();
      process.stderr.write(question);
      let answer = '';
      const done = (err?: Error) => {
        stdin.setRawMode(false);
        stdin.pause();
        stdin.off('data', onData);
        process.stderr.write('\n');
        if (err) reject(err);
        else resolvePromise(answer);
      };
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return done();
          if (ch === '\u0003') return done(new Error('passphrase prompt interrupted'));
          if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
          else answer += ch;
        }
      };
      stdin.on('data', onData);
    });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function loadKey(file: string, secrets: AuthSecrets, notes: string[], explicit: boolean): Promise<ParsedKey | undefined> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    if (explicit) notes.push(`identity file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return undefined;
  }
  const mod = (await import('ssh2')) as typeof import('ssh2') & { default?: typeof import('ssh2') };
  const { utils } = mod.default ?? mod; // CommonJS: its exports sit on `default` under ESM
  const parsedOnce = (pass?: string): ParsedKey | Error => {
    const r = utils.parseKey(data, pass);
    return Array.isArray(r) ? (r[0] as ParsedKey) : r;
  };
  let parsed = parsedOnce();
  if (!(parsed instanceof Error)) return parsed;
  if (!/encrypted|passphrase/i.test(parsed.message)) {
    notes.push(`identity file ${file} is not a private key ssh2 can read (${parsed.message})`);
    return undefined;
  }
  const env = secrets.env ?? process.env;
  let passphrase: string | undefined;
  let source = '';
  if (secrets.passphraseEnv && env[secrets.passphraseEnv] !== undefined) {
    passphrase = env[secrets.passphraseEnv];
    source = `$${secrets.passphraseEnv}`;
  }
  if (passphrase === undefined && secrets.prompt) {
    passphrase = await secrets.prompt(`[clustrix] passphrase for ${file}: `);
    source = 'the passphrase typed';
  }
  if (passphrase === undefined) {
    notes.push(
      `identity file ${file} is encrypted and no passphrase was available: set \`passphraseEnv\` to the NAME of an environment variable holding it${secrets.passphraseEnv ? ` ($${secrets.passphraseEnv} is not set)` : ''}, run on a terminal to be asked, or load the key into ssh-agent`,
    );
    return undefined;
  }
  parsed = parsedOnce(passphrase);
  if (parsed instanceof Error) {
    notes.push(`identity file ${file} could not be decrypted with ${source}`);
    return undefined;
  }
  return parsed;
}

/** Everything this hop can offer, in the order it is offered. */
export async function buildAuthPlan(hop: SshHop, secrets: AuthSecrets): Promise<AuthPlan> {
  const notes: string[] = [];
  const methods: AuthPlan['methods'] = [];
  const username = hop.user;
  if (hop.agent) {
    if (await exists(hop.agent)) methods.push({ label: `ssh-agent (${hop.agent})`, method: { type: 'agent', username, agent: hop.agent } });
    else notes.push(`ssh-agent socket ${hop.agent} does not exist`);
  }
  for (const file of hop.identityFiles) {
    const key = await loadKey(file, secrets, notes, hop.identityFilesExplicit);
    if (key) methods.push({ label: `key ${file}`, method: { type: 'publickey', username, key } });
  }
  const env = secrets.env ?? process.env;
  if (secrets.passwordEnv) {
    const password = env[secrets.passwordEnv];
    if (password !== undefined) {
      methods.push({ label: `password from $${secrets.passwordEnv}`, method: { type: 'password', username, password } });
      methods.push({
        label: `keyboard-interactive password from $${secrets.passwordEnv}`,
        method: {
          type: 'keyboard-interactive',
          username,
          prompt: (_name, _instr, _lang, prompts, finish) => finish(prompts.map((p) => (/password/i.test(p.prompt) ? password : ''))),
        },
      });
    } else notes.push(`$${secrets.passwordEnv} (passwordEnv) is not set`);
  }
  return { methods, notes };
}

/** An ssh2 authHandler walking the plan; `tried` records what was offered, for the error message. */
export function authHandler(plan: AuthPlan, tried: string[]): AuthHandlerMiddleware {
  let i = 0;
  return (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next) => {
    while (i < plan.methods.length) {
      const m = plan.methods[i++]!;
      if (methodsLeft && !methodsLeft.includes(m.method.type)) continue;
      tried.push(m.label);
      return next(m.method);
    }
    return next(false as unknown as AnyAuthMethod);
  };
}
