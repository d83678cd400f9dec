// Generated strings that a shell would interpret if anything were spliced unquoted: quotes,
// $(...), backticks, ;, |, &, globs, newlines, leading dashes, unicode. Every injection creates
// `canary`, so a test proves nothing ran by checking that the file does not exist.

/** Small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function fuzzWords(count: number, canary: string, seed = 1, options: { newlines?: boolean; slashes?: boolean; maxPieces?: number } = {}): string[] {
  const rnd = prng(seed);
  const pieces = [
    "'",
    '"',
    "'\\''",
    `$(touch ${canary})`,
    `\`touch ${canary}\``,
    `;touch ${canary};`,
    `| touch ${canary}`,
    `&& touch ${canary}`,
    `& touch ${canary} &`,
    `> ${canary}`,
    '${HOME}',
    '$HOME',
    '$1',
    '$@',
    '\\',
    '\\n',
    ' ',
    '  ',
    '\t',
    '*',
    '?',
    '[a-z]',
    '{a,b}',
    '~',
    '-rf',
    '--',
    '#',
    '!',
    '%s',
    '%d',
    'é',
    '日本',
    '🙂',
    'plain',
    'x',
    '=',
    '(',
    ')',
    '<',
    ...(options.newlines === false ? [] : ['\n', '\r\n']),
    ...(options.slashes === false ? [] : ['/']),
  ];
  const out = new Set<string>();
  while (out.size < count) {
    const n = 1 + Math.floor(rnd() * (options.maxPieces ?? 6));
    let w = '';
    for (let i = 0; i < n; i++) w += pieces[Math.floor(rnd() * pieces.length)]!;
    out.add(w);
  }
  return [...out];
}
