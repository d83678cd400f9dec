// `clustrix logs -f` (jobLogs with follow) on the local scheduler: a header only when the stream changes.
import { afterAll, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure, shutdown, submit } from '@clustrix/core';
import { jobLogs } from '@clustrix/core/jobs';
import { LogWriter } from './fixtures/log-writer.js';

const root = mkdtempSync(join(tmpdir(), 'clustrix-logs-'));
configure(
  { remoteRoot: join(root, 'remote'), registryDir: join(root, 'registry'), clusters: { local: { scheduler: 'local', pollMinMs: 50, pollMaxMs: 200 } } },
  { cwd: root, env: {}, home: root, systemDir: join(root, 'etc') },
);
afterAll(() => shutdown());

test('logs --follow prints each new piece as it comes, with a header only when the stream changes', async () => {
  const gates = join(root, 'gates');
  mkdirSync(gates);
  const steps: Array<['stdout' | 'stderr', string]> = [
    ['stdout', 'one'],
    ['stdout', 'two'],
    ['stderr', 'three'],
    ['stderr', 'four'],
    ['stdout', 'five'],
  ];
  const h = await submit(() => new LogWriter().steps(gates, steps));
  await h.submitted(); // the record exists from here on
  const pieces: string[] = [];
  let next = 0;
  const open = () => writeFileSync(join(gates, `gate-${next++}`), '');
  open();
  await jobLogs(h.id, {
    follow: true,
    intervalMs: 50,
    write: (t) => {
      pieces.push(t);
      // the step just printed is the one the last gate let through: open the next
      if (next < steps.length && t.includes(`${steps[next - 1]![1]}\n`)) open();
    },
  });
  expect(await h.result()).toBe(steps.length);
  // each step arrived as its own piece (the next gate opened only after it was printed)
  expect(pieces).toEqual(['==> stdout <==\none\n', 'two\n', '==> stderr <==\nthree\n', 'four\n', '==> stdout <==\nfive\n']);
}, 60_000);
