/**
 * Staged files are not trusted because they exist. Before a runner, bundle, installed package folder
 * or input blob under the remote root is reused, one shell command on the other side (the same one
 * that tells whether the file is there, so the hot path gains no round trip) checks that
 *  - the remote root, its parent and the folders staged into are owned by the login user and not
 *    writable by group or others (the parent may be a sticky folder such as /tmp) — else
 *    `UnsafeStagingError`, nothing is run;
 *  - each file is a regular file owned by the login user, not group/world-writable, whose sha256 is
 *    the one expected (`changed`/`unsafe`: the caller replaces it; `missing`: it uploads it);
 *  - an installed package tree holds only files of the login user, none writable by others, and the
 *    digest of its files is the one recorded at install.
 * Folders that are missing are created (umask 077) before they are checked, so no co-user can slip
 * one in between a check and a mkdir; the first unsafe folder stops the check (nothing is created in
 * it). Checks issued in the same tick share one command.
 */
import { UnsafeStagingError } from '../errors.js';
import type { Transport } from './contract.js';

export type StagedCheck =
  | { kind: 'dir'; path: string }
  | { kind: 'parent'; path: string; of: string }
  /** `sha256: ''`: owner, mode and type only (a file this process has hashed before). */
  | { kind: 'file'; path: string; sha256: string }
  | { kind: 'tree'; path: string };

/** For a file or tree: reuse it (`ok`), upload it (`missing`), or replace it (`changed`, `unsafe`). */
export type StagedState = 'ok' | 'missing' | 'changed' | 'unsafe';

/** The shell words that hash stdin / files (the first one found on the host). */
export const PICK_HASHER = `if command -v sha256sum >/dev/null 2>&1; then H=sha256sum
elif command -v shasum >/dev/null 2>&1; then H='shasum -a 256'
else H='openssl dgst -sha256 -r'; fi`;

/** Digest of every regular file under "$1"/node_modules (sorted by path), printed as 64 hex digits. */
export const TREE_DIGEST = `tree_digest() { (cd -- "$1" && find node_modules -type f -exec $H {} + | LC_ALL=C sort -k2 | $H | cut -c1-64); }`;

const CHECK_SCRIPT = `me=$(id -u) || exit 3
${PICK_HASHER}
${TREE_DIGEST}
meta() { stat -L -c '%u %a' -- "$1" 2>/dev/null || stat -L -f '%u %Lp' -- "$1" 2>/dev/null; }
lmeta() { stat -c '%u %a' -- "$1" 2>/dev/null || stat -f '%u %Lp' -- "$1" 2>/dev/null; }
bad() { [ "$1" != "$me" ] || [ $(( 0$2 & 022 )) -ne 0 ]; }
n=0
while [ $# -gt 0 ]; do
  k=$1 p=$2; shift 2
  case $k in
  D)
    [ -e "$p" ] || [ -L "$p" ] || (umask 077 && mkdir -p -- "$p") 2>/dev/null
    if [ -L "$p" ] && [ "$(lmeta "$p" | cut -d' ' -f1)" != "$me" ]; then echo "$n unsafe $(lmeta "$p") $me link"; exit 0
    elif [ ! -d "$p" ]; then echo "$n unsafe - - $me notdir"; exit 0
    else m=$(meta "$p"); if bad $m; then echo "$n unsafe $m $me"; exit 0; else echo "$n ok"; fi; fi ;;
  P)
    m=$(meta "$p"); u=\${m%% *} a=\${m#* }
    if [ -z "$m" ] || { [ "$u" != "$me" ] && [ "$u" != 0 ]; } || { [ $(( 0$a & 022 )) -ne 0 ] && [ $(( 0$a & 01000 )) -eq 0 ]; }; then echo "$n unsafe \${m:-- -} $me"; exit 0; else echo "$n ok"; fi ;;
  F)
    want=$1; shift
    if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo "$n missing"
    elif [ -L "$p" ] || [ ! -f "$p" ]; then echo "$n changed"
    elif bad $(lmeta "$p"); then echo "$n unsafe"
    elif [ -z "$want" ] || [ "$($H < "$p" | cut -c1-64)" = "$want" ]; then echo "$n ok"
    else echo "$n changed"; fi ;;
  T)
    if [ ! -f "$p/.installed" ]; then echo "$n missing"
    elif [ -n "$(find "$p" \\( ! -user "$me" -o \\( ! -type l \\( -perm -020 -o -perm -002 \\) \\) \\) -print | head -n 1)" ]; then echo "$n unsafe"
    elif [ "$(tree_digest "$p")" = "$(head -n 1 "$p/.installed")" ]; then echo "$n ok"
    else echo "$n changed"; fi ;;
  esac
  n=$((n+1))
done`;

function argsOf(c: StagedCheck): string[] {
  switch (c.kind) {
    case 'dir':
      return ['D', c.path];
    case 'parent':
      return ['P', c.path];
    case 'file':
      return ['F', c.path, c.sha256];
    case 'tree':
      return ['T', c.path];
  }
}

function octal(mode: string | undefined): string {
  return mode && mode !== '-' ? `0${mode.padStart(3, '0')}` : 'not a folder';
}

function refusal(transport: Transport, c: StagedCheck, words: string[]): UnsafeStagingError {
  const [uid = '?', mode, me = '?', what] = words;
  const where = `${transport.host}:${c.path}`;
  const shown = what === 'notdir' ? 'is not a folder' : what === 'link' ? `is a symbolic link owned by uid ${uid}` : `is owned by uid ${uid} with mode ${octal(mode)}`;
  if (c.kind === 'parent') {
    return new UnsafeStagingError(
      `refusing to stage into ${transport.host}:${c.of}: its parent folder ${c.path} ${shown}, so another user can replace ${c.of} with a folder of their own. ` +
        `Set \`remoteRoot\` to a folder under one only you (uid ${me}) can write, such as ~/.clustrix`,
      { scope: transport.kind, path: c.path, ...(mode ? { mode } : {}) },
    );
  }
  return new UnsafeStagingError(
    `refusing to use ${where}: it ${shown}, but staged code is run from it as you, so it must be owned by you (uid ${me}) and writable by nobody else. ` +
      `If it is yours: chmod 700 '${c.path}' (and check what is inside); otherwise set \`remoteRoot\` to a folder of your own, such as ~/.clustrix. Nothing was run`,
    { scope: transport.kind, path: c.path, ...(mode ? { mode } : {}) },
  );
}

interface Pending {
  checks: StagedCheck[];
  resolve: (states: StagedState[]) => void;
  reject: (err: unknown) => void;
}

/** Checks for one transport and remote root; the root's own folders are checked with the first batch. */
export class StagingChecker {
  private queue: Pending[] = [];
  private rootDone = false;

  constructor(
    readonly transport: Transport,
    readonly root: string,
    /** Folders under the root that must be safe (`jobs`, `runner`...). */
    readonly folders: readonly string[],
  ) {}

  /** True when this transport can be checked: its `exec` runs a POSIX shell where the files are (`canExec`); others keep `exists`. */
  static supports(transport: Transport): boolean {
    return transport.canExec === true;
  }

  /** Check the root (once) and these paths, in the command shared by every check of this tick. */
  check(checks: readonly StagedCheck[]): Promise<StagedState[]> {
    if (!checks.length && this.rootDone) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      if (!this.queue.length) queueMicrotask(() => void this.flush());
      this.queue.push({ checks: [...checks], resolve, reject });
    });
  }

  private rootChecks(): StagedCheck[] {
    if (this.rootDone) return [];
    const parent = this.root.replace(/\/[^/]+\/?$/, '') || '/';
    // The root first: creating it creates a missing parent (0700, ours) too.
    return [{ kind: 'dir', path: this.root }, { kind: 'parent', path: parent, of: this.root }, ...this.folders.map((f) => ({ kind: 'dir' as const, path: `${this.root}/${f}` }))];
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    const head = this.rootChecks();
    const all = [...head, ...batch.flatMap((p) => p.checks)];
    try {
      const states = await this.run(all);
      this.rootDone = true;
      let at = head.length;
      for (const p of batch) {
        p.resolve(states.slice(at, at + p.checks.length));
        at += p.checks.length;
      }
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }

  private async run(checks: StagedCheck[]): Promise<StagedState[]> {
    const r = await this.transport.exec(['/bin/sh', '-c', CHECK_SCRIPT, 'clustrix-check', ...checks.flatMap(argsOf)]);
    const lines = r.stdout.split('\n').filter(Boolean);
    const states = lines.map((line, i) => {
      const [, state = '', ...rest] = line.split(' ');
      const c = checks[i];
      if (c && (c.kind === 'dir' || c.kind === 'parent') && state !== 'ok') throw refusal(this.transport, c, rest);
      return state as StagedState;
    });
    if (r.code !== 0 || states.length !== checks.length) {
      throw new UnsafeStagingError(`cannot check the staged files under ${this.transport.host}:${this.root} (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim() || 'no output'}`, {
        scope: this.transport.kind,
        path: this.root,
      });
    }
    return states;
  }
}

const checkers = new WeakMap<Transport, Map<string, StagingChecker>>();

/** The checker shared by everything that stages under `root` through `transport`. */
export function stagingChecker(transport: Transport, root: string): StagingChecker {
  let mine = checkers.get(transport);
  if (!mine) checkers.set(transport, (mine = new Map()));
  let c = mine.get(root);
  if (!c) mine.set(root, (c = new StagingChecker(transport, root, transport.sharesFilesystem ? ['jobs'] : ['jobs', 'runner', 'bundles', 'deps', 'files'])));
  return c;
}
