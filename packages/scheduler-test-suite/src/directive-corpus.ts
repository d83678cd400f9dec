/**
 * A seeded corpus of hostile values for the directive fuzz (schedulers-{slurm,pbs,sge}/test/
 * directive-fuzz.cluster.test.ts): quotes, backslashes, `$()`, backticks, `;|&<>`, `#`, `%`, `!`,
 * `*?[`, every whitespace and control character the gate refuses, option injections
 * (` --output=...`, ` -l walltime=...`), long strings and non-ASCII. Every injection that would run
 * a command touches `canary`, so a test proves nothing ran by checking that file does not exist.
 * Same seed, same corpus: a failure replays from the seed printed with it.
 */

/** Small deterministic PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every character the control gate must refuse that is worth naming, plus plain whitespace. */
export const CONTROL_AND_SPACE = [
  '\n', '\r', '\0', '\v', '\f', '\t', '\u0085', '\u2028', '\u2029', '\u001b', '\u007f', '\u0001', '\u009f', ' ', '\u00a0', '\u3000',
];

/** The hand-written cases of issue 11, also unit-tested by name. */
export function namedInjections(canary: string): string[] {
  return [
    "\\' --output=/tmp/evil --comment=\\'",
    "x\\' --export=ALL,BASH_FUNC_cd%%=() { touch " + canary + "; } --comment=\\'",
    "q\\' -l walltime=99:00:00 -N \\'",
    `a\\'\ntouch ${canary}\n#`,
    `$(touch ${canary})`,
    `\`touch ${canary}\``,
    `;touch ${canary};`,
    `" --wrap="touch ${canary}`,
    `' ; touch ${canary} ; '`,
    'hetjob',
    'packjob x',
    ':leading-colon',
  ];
}

function pieces(canary: string): string[] {
  return [
    "'", '"', '\\', "\\'", '\\"', "'\\''", '\\\\', '#', '# comment', '%', '%%', '%j', '%A', '!', '!!', '*', '?', '[', ']', '[a-z]',
    '$', '$(', ')', '${HOME}', '$HOME', '`', ';', '|', '||', '&', '&&', '<', '>', '>>', '(', ')', '{', '}', '=', ',', ':', '@', '^', '~',
    '-', '--', ' --output=/tmp/evil', ' --comment=x', ' -l walltime=99:00:00', ' -N x', ' -q other', ' -A other', ' -V', ' -v X=1',
    `$(touch ${canary})`, `\`touch ${canary}\``, `;touch ${canary};`, `| touch ${canary}`, `&& touch ${canary}`,
    'é', 'ü', 'ß', '日本', '😀', 'Ω', '\u00ad', '\u200b', '\ufeff', 'hetjob', 'packjob', 'a', 'b', 'x1', 'job', 'node', '/', '.', '..',
    ...CONTROL_AND_SPACE,
  ];
}

export interface CorpusOptions {
  /** Number of values (default 10 000). */
  count?: number;
  seed?: number;
  /** Longest generated value (characters); a few values are made this long on purpose. */
  maxLength?: number;
}

/** `count` values: the named injections first, then seeded combinations of hostile pieces. */
export function directiveCorpus(canary: string, options: CorpusOptions = {}): string[] {
  const count = options.count ?? 10_000;
  const rnd = seededRandom(options.seed ?? 11);
  const maxLength = options.maxLength ?? 2000;
  const all = pieces(canary);
  const pick = () => all[Math.floor(rnd() * all.length)]!;
  const out = [...namedInjections(canary)];
  while (out.length < count) {
    const roll = rnd();
    let v: string;
    if (roll < 0.01) {
      v = pick().repeat(Math.ceil(maxLength / 4)).slice(0, maxLength); // long
    } else if (roll < 0.05) {
      v = String.fromCodePoint(Math.floor(rnd() * 0x250) + 0x20); // one character, Latin and beyond
    } else if (roll < 0.3) {
      v = `w${Math.floor(rnd() * 1e6)}${rnd() < 0.5 ? '_' : '.'}${Math.floor(rnd() * 100)}`; // plain-looking
    } else {
      const n = 1 + Math.floor(rnd() * 6);
      v = Array.from({ length: n }, pick).join('');
    }
    if (v !== '') out.push(v);
  }
  return out.slice(0, count);
}

/** What a directive fuzz counts; `leaked` must stay 0 (a value read back different, or an extra option). */
export class FuzzTally {
  cases = 0;
  /** Written into a directive by the encoder. */
  accepted = 0;
  /** Refused by the encoder or core's gate (BAD_VALUE) before anything was written. */
  refused = 0;
  /** Read back byte for byte by the real parser. */
  readBack = 0;
  leaked = 0;
  readonly leaks: string[] = [];

  leak(what: string): void {
    this.leaked++;
    if (this.leaks.length < 20) this.leaks.push(what);
  }

  summary(dialect: string, extra = ''): string {
    return `[directive fuzz] ${dialect}: cases=${this.cases} accepted=${this.accepted} refused=${this.refused} readBack=${this.readBack} leaked=${this.leaked}${extra ? ` ${extra}` : ''}`;
  }
}

/** Runs `work` over `items` with at most `parallel` at a time. */
export async function inParallel<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
