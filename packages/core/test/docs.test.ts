// docs/configuration.md documents every key the schemas accept.
import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { clusterProfileShape, configFileShape } from '../src/config/schema.js';
import { jobOptionsShape } from '../src/options.js';

const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');

describe('docs/configuration.md', () => {
  const keys = [...new Set([...Object.keys(configFileShape), ...Object.keys(clusterProfileShape), ...Object.keys(jobOptionsShape)])];
  test.each(keys)('documents `%s`', (key) => {
    expect(doc).toMatch(new RegExp('`' + key + '`'));
  });
});

describe('links in README.md and docs/', () => {
  const root = new URL('../../../', import.meta.url);
  const pages = ['README.md', ...readdirSync(new URL('docs/', root), { recursive: true }).map((p) => `docs/${String(p)}`)].filter((p) => p.endsWith('.md'));
  const links = pages.flatMap((page) =>
    [...readFileSync(new URL(page, root), 'utf8').matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((m) => m[1]!)
      .filter((href) => !/^[a-z]+:/.test(href))
      .map((href) => [page, href] as const),
  );
  test('there are links to check', () => {
    expect(links.length).toBeGreaterThan(10);
  });
  test.each(links)('%s → %s exists', (page, href) => {
    expect(existsSync(new URL(href, new URL(page, root)))).toBe(true);
  });
});
