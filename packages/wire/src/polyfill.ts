// Node 20 has no `Symbol.metadata`; TC39 decorators (as emitted by TypeScript 5.2+ and esbuild)
// only attach `context.metadata` when it exists. Use the same registered symbol esbuild falls back to.
(Symbol as { metadata?: symbol }).metadata ??= Symbol.for('Symbol.metadata');

export {};
