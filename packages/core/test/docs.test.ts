// docs/configuration.md documents every key the schemas accept.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { clusterProfileShape, configFileShape } from '../src/config/schema.js';
import { jobOptionsShape } from '../src/options.js';

const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');

describe('docs/configuration.md', () => {
  const keys = [...new Set([...Object.keys(configFileShape), ...Object.keys(clusterProfileShape), ...Object.keys(jobOptionsShape)])];
  test.each(keys)('documents `%s`', (key) => {
    expect(doc).toMatch(new RegExp('`' + key + '`'));
  });
});
