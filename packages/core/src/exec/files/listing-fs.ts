/**
 * A read-only, in-memory file system made from a list of file paths, shaped like the part of
 * `node:fs` that tinyglobby (fdir) reads. It lets the same well-tested glob engine match output
 * patterns against a remote job folder listed with ONE `find` command.
 */
import { posix } from 'node:path';

interface Node {
  dirs: Set<string>;
  files: Set<string>;
}

/** A listed file or folder, answering the fs.Stats / fs.Dirent questions tinyglobby asks. */
class Stat {
  constructor(private readonly dir: boolean) {}
  isFile(): boolean {
    return !this.dir;
  }
  isDirectory(): boolean {
    return this.dir;
  }
  isSymbolicLink(): boolean {
    return false;
  }
}

class Dirent extends Stat {
  constructor(
    readonly name: string,
    dir: boolean,
  ) {
    super(dir);
  }
}

function enoent(path: string): NodeJS.ErrnoException {
  const e = new Error(`ENOENT: no such file or directory, '${path}'`) as NodeJS.ErrnoException;
  e.code = 'ENOENT';
  return e;
}

/** Build the fs adapter. `root` is absolute; `files` are paths relative to it. */
export function listingFs(root: string, files: readonly string[]) {
  const tree = new Map<string, Node>();
  const node = (dir: string): Node => {
    let n = tree.get(dir);
    if (!n) tree.set(dir, (n = { dirs: new Set(), files: new Set() }));
    return n;
  };
  const base = posix.normalize(root).replace(/\/+$/, '') || '/';
  node(base);
  for (const rel of files) {
    const parts = rel.split('/').filter((p) => p && p !== '.');
    let dir = base;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node(dir).files.add(part);
      else {
        node(dir).dirs.add(part);
        dir = posix.join(dir, part);
        node(dir);
      }
    });
  }
  const norm = (p: string): string => posix.normalize(p).replace(/(.)\/+$/, '$1');
  const list = (p: string): Dirent[] => {
    const n = tree.get(norm(p));
    if (!n) throw enoent(p);
    return [...[...n.dirs].map((d) => new Dirent(d, true)), ...[...n.files].map((f) => new Dirent(f, false))];
  };
  const statOf = (p: string): Stat => {
    const k = norm(p);
    if (tree.has(k)) return new Stat(true);
    if (tree.get(posix.dirname(k))?.files.has(posix.basename(k))) return new Stat(false);
    throw enoent(p);
  };
  type Cb<T> = (err: NodeJS.ErrnoException | null, value?: T) => void;
  const later = <T>(cb: Cb<T>, fn: () => T) =>
    queueMicrotask(() => {
      try {
        cb(null, fn());
      } catch (e) {
        cb(e as NodeJS.ErrnoException);
      }
    });
  return {
    readdir: (p: string, opts: unknown, cb?: Cb<Dirent[]>) => later((cb ?? (opts as Cb<Dirent[]>))!, () => list(p)),
    readdirSync: (p: string) => list(p),
    realpath: (p: string, cb: Cb<string>) => later(cb, () => (statOf(p), norm(p))),
    realpathSync: (p: string) => (statOf(p), norm(p)),
    stat: (p: string, opts: unknown, cb?: Cb<Stat>) => later((cb ?? (opts as Cb<Stat>))!, () => statOf(p)),
    statSync: (p: string) => statOf(p),
  };
}
