// Generated strings that a shell would interpret if anything were spliced unquoted: quotes,
// $(...), backticks, ;, |, &, globs, newlines, leading dashes, unicode. Every injection creates
// `canary`, so a test proves nothing ran by checking that the file does not exist.

/** Small deterministic PRNG (mulberry32), so a failure can be replayed from its seed: the directive fuzz's own. */
import { seededRandom as prng } from '../../scheduler-test-suite/src/directive-corpus.js';
export { prng };

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
