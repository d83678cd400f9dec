/**
 * Packages left out of the bundle (native addons, or `externals`) must exist on the cluster. They
 * are installed once per lockfile hash into `<remoteRoot>/deps/<hash>/node_modules`, at exactly the
 * versions installed here (what the local lockfile resolved), and bundles that need them are placed
 * in that folder so Node's resolution finds them. Installing into a temporary folder renamed at the
 * end keeps a half-done install from ever being used. A failure names the packages.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BundleError } from '../../errors.js';
import type { JobOptions } from '../../options.js';
import type { Bundle } from '../../ship/bundler.js';
import type { ExternalPackage } from '../../ship/native-externals.js';
import type { Transport } from '../../transport/contract.js';
import { PICK_HASHER, StagingChecker, stagingChecker, TREE_DIGEST } from '../../transport/staging-trust.js';
import { logger } from '../../util/debug.js';
import { sha256 } from '../../util/hash.js';
import { preparationScript } from './node-check.js';

const log = logger('deps');

const LOCKFILES = ['pnpm-lock.yaml', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'bun.lock', 'bun.lockb'];

export interface DepsPlan {
  hash: string;
  packages: ExternalPackage[];
  /** The lockfile the hash covers, when one was found. */
  lockfile?: string;
}

export function findLockfile(from: string): string | undefined {
  let dir = from;
  for (let i = 0; i < 40; i++) {
    for (const name of LOCKFILES) if (existsSync(join(dir, name))) return join(dir, name);
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

export function depsPlan(externals: readonly ExternalPackage[], moduleFile: string): DepsPlan | undefined {
  if (!externals.length) return undefined;
  const packages = [...externals].sort((a, b) => a.name.localeCompare(b.name));
  const lockfile = findLockfile(dirname(moduleFile));
  const lockHash = lockfile ? sha256(readFileSync(lockfile)) : 'no-lockfile';
  const hash = sha256(`${lockHash}\0${packages.map((p) => `${p.name}@${p.version}`).join('\n')}`).slice(0, 20);
  return { hash, packages, ...(lockfile ? { lockfile } : {}) };
}

/** The install; `.installed` records the digest of the installed files, checked on every reuse (transport/staging-trust.ts). */
const INSTALL_SCRIPT = `dir=$1 pkg=$2 prep=$3 node=$4
${PICK_HASHER}
${TREE_DIGEST}
eval "$prep"
case $node in */*) PATH=\${node%/*}:$PATH; export PATH;; esac
command -v npm >/dev/null 2>&1 || { echo "npm is not on PATH (after setup)" >&2; exit 127; }
tmp=$dir.tmp.$$
rm -rf -- "$tmp" && mkdir -p -- "$tmp" || exit 1
printf '%s\\n' "$pkg" >"$tmp/package.json"
cd -- "$tmp" || exit 1
npm install --omit=dev --no-audit --no-fund --loglevel=error >npm.log 2>&1 || { tail -n 40 npm.log >&2; cd /; rm -rf -- "$tmp"; exit 1; }
cd / || exit 1
tree_digest "$tmp" >"$tmp/.installed" || { rm -rf -- "$tmp"; exit 1; }
if [ -e "$dir" ]; then rm -rf -- "$tmp"; else mv -- "$tmp" "$dir" || rm -rf -- "$tmp"; fi
[ -d "$dir/node_modules" ] || { echo "install finished but $dir/node_modules is missing" >&2; exit 1; }
`;

const installs = new WeakMap<Transport, Map<string, Promise<string>>>();

/** Make sure the packages are installed on the cluster; resolves with the folder bundles go into. */
export function ensureRemoteDeps(transport: Transport, remoteRoot: string, plan: DepsPlan, prep: string, nodePath: string): Promise<string> {
  let mine = installs.get(transport);
  if (!mine) installs.set(transport, (mine = new Map()));
  let p = mine.get(plan.hash);
  if (!p) {
    p = install(transport, remoteRoot, plan, prep, nodePath);
    mine.set(plan.hash, p);
    const cache = mine;
    p.catch(() => cache.delete(plan.hash));
  }
  return p;
}

async function install(transport: Transport, remoteRoot: string, plan: DepsPlan, prep: string, nodePath: string): Promise<string> {
  const dir = `${remoteRoot}/deps/${plan.hash}`;
  if (StagingChecker.supports(transport)) {
    // Reused only when every file is ours, none writable by others, and their digest is the one recorded at install.
    const [state] = await stagingChecker(transport, remoteRoot).check([{ kind: 'tree', path: dir }]);
    if (state === 'ok') return dir;
    if (state !== 'missing') {
      log('installed packages in %s on %s are %s: installing them again', dir, transport.host, state === 'unsafe' ? 'not all ours or writable by others' : 'not what was installed');
      await transport.remove(dir, { recursive: true });
    }
  } else if (await transport.exists(`${dir}/.installed`)) return dir;
  await transport.mkdir(`${remoteRoot}/deps`, { mode: 0o700 });
  const pkg = JSON.stringify({
    name: 'clustrix-remote-deps',
    private: true,
    description: `installed by Clustrix for ${plan.lockfile ?? 'a project without a lockfile'}`,
    dependencies: Object.fromEntries(plan.packages.map((p) => [p.name, p.version])),
  });
  const list = plan.packages.map((p) => `${p.name}@${p.version} (${p.reason})`).join(', ');
  log('installing %s on %s into %s', list, transport.host, dir);
  const r = await transport.exec(['/bin/sh', '-c', INSTALL_SCRIPT, 'clustrix-deps', dir, pkg, prep, nodePath], { timeoutMs: 15 * 60_000 });
  if (r.code !== 0) {
    const said = r.stderr.trim();
    const named = plan.packages.filter((p) => said.includes(p.name));
    const culprits = (named.length ? named : plan.packages).map((p) => `${p.name}@${p.version}`).join(', ');
    throw new BundleError(
      `cannot install ${culprits} on ${transport.host} (left out of the bundle: ${list}). npm said:\n${said.split('\n').slice(-12).join('\n')}\n` +
        `Install ${named.length === 1 ? 'it' : 'them'} there yourself (mkdir -p ${dir} && cd ${dir} && npm install ${plan.packages.map((p) => `${p.name}@${p.version}`).join(' ')} && find node_modules -type f -exec sha256sum {} + | LC_ALL=C sort -k2 | sha256sum | cut -c1-64 >.installed), ` +
        `or drop ${named.length === 1 ? 'it' : 'them'} from \`externals\` if ${named.length === 1 ? 'it' : 'they'} can be bundled`,
      { scope: transport.kind },
    );
  }
  return dir;
}

/** Install the bundle's external packages on the cluster (once per lockfile hash); the folder the bundle goes into. */
export async function stageExternals(transport: Transport, remoteRoot: string, bundle: Bundle, moduleFile: string, options: JobOptions): Promise<string | undefined> {
  if (transport.sharesFilesystem) return undefined; // resolved from this machine's node_modules
  const plan = depsPlan(bundle.externals, moduleFile);
  if (!plan) return undefined;
  return ensureRemoteDeps(transport, remoteRoot, plan, preparationScript(options), options.nodePath ?? 'node');
}
