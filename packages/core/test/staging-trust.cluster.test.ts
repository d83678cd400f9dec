// Staged files are not trusted because they exist (issue 11 item 4), over SSH on the testbed sshd
// (scripts/testbed/sshd.sh, user clustrix): a runner, bundle or input blob tampered with on the host
// is detected and replaced before anything runs it (a canary file it would create never appears),
// and a remote root writable by others is refused before anything is staged or submitted.
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configure, shutdown, UnsafeStagingError, withOptions } from '@clustrix/core';
import { getCluster } from '@clustrix/core/jobs';
import { Worker } from './fixtures/jobs.js';
import { Reader } from './staging-trust-jobs.js';
import { onHost, sshProfile } from './ssh-testbed.js';

const run = `t${Date.now().toString(36)}`;
const base = `.clustrix-test-trust/${run}`;
const local = mkdtempSync(join(tmpdir(), 'clustrix-trust-ssh-'));
const home = onHost('printf %s "$HOME"').stdout;
const canary = `${home}/${base}/canary`;
const profile = (root: string) => ({ scheduler: 'ssh', ...sshProfile(), remoteRoot: `~/${base}/${root}`, pollMinMs: 100, pollMaxMs: 1000 });
configure(
  { defaultCluster: 'first', clusters: { first: profile('main'), second: profile('main'), third: profile('main'), open: profile('open') } } as never,
  { cwd: local, env: {}, home: local, systemDir: join(local, 'etc') },
);
afterAll(async () => {
  await shutdown();
  onHost(`chmod -R u+rwx ~/${base} 2>/dev/null; rm -rf ~/${base}`);
});

/** JavaScript that, when run on the host, creates the canary. */
const planted = `require('node:fs').writeFileSync('${canary}', 'pwned');`;

function one(cmd: string): string {
  const r = onHost(cmd);
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

describe('ssh: staged files are verified on reuse', () => {
  test('a tampered runner and bundle are replaced before the next call runs them; the canary never appears', async () => {
    const w = new Worker('trust');
    expect((await withOptions({ cluster: 'first' }, () => w.echo(1))).value).toBe(1);
    const runner = one(`ls ~/${base}/main/runner/*/clustrix-runner.mjs`);
    const bundle = one(`ls ~/${base}/main/bundles/*.mjs`);
    const original = one(`sha256sum ${runner} ${bundle} | cut -c1-64`);
    one(`printf '%s\\n' "${planted.replace(/"/g, '\\"')}" > ${runner} && printf '%s\\n' "${planted.replace(/"/g, '\\"')}" > ${bundle}`);

    const rt = await getCluster('second'); // a new runtime: nothing remembered from the first call
    expect((await withOptions({ cluster: 'second' }, () => w.echo(2))).value).toBe(2);
    expect(rt.stager.replaced).toBe(2);
    expect(one(`sha256sum ${runner} ${bundle} | cut -c1-64`)).toBe(original);
    expect(onHost(`test -e ${canary} && echo planted-code-ran`).stdout).toBe('');
  }, 120_000);

  test('a runner made writable by others is replaced (owner and mode are checked, not only the content)', async () => {
    const runner = one(`ls ~/${base}/main/runner/*/clustrix-runner.mjs`);
    one(`chmod 666 ${runner}`);
    const rt = await getCluster('third');
    const w = new Worker('trust');
    expect((await withOptions({ cluster: 'third' }, () => w.echo(3))).value).toBe(3);
    expect(rt.stager.replaced).toBe(1);
    expect(one(`stat -c %a ${runner}`)).toBe('644');
  }, 120_000);

  test('a tampered input blob is replaced, and the job reads the real file', async () => {
    const file = join(local, 'input.txt');
    writeFileSync(file, 'the real input\n');
    const read = () => withOptions({ cluster: 'first', inputs: [file] }, () => new Reader().readText('input.txt'));
    expect(await read()).toBe('the real input\n');
    const blob = one(`ls ~/${base}/main/files/*`);
    one(`printf 'forged\\n' > ${blob}`);
    await shutdown(); // a new process would remember nothing: it re-hashes the blob
    configure(
      { defaultCluster: 'first', clusters: { first: profile('main') } } as never,
      { cwd: local, env: {}, home: local, systemDir: join(local, 'etc') },
    );
    expect(await read()).toBe('the real input\n');
    expect(one(`cat ${blob}`)).toBe('the real input');
  }, 120_000);

  test('a remote root others can write is refused before anything is staged or submitted', async () => {
    one(`mkdir -p ~/${base}/open && chmod 777 ~/${base}/open`);
    configure(
      { defaultCluster: 'open', clusters: { open: profile('open') } } as never,
      { cwd: local, env: {}, home: local, systemDir: join(local, 'etc') },
    );
    const err = await withOptions({ cluster: 'open' }, () => new Worker('trust').echo(4)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeStagingError);
    expect((err as Error).message).toContain(`${home}/${base}/open: it is owned by uid`);
    expect((err as Error).message).toContain('mode 0777');
    expect((err as Error).message).toContain(`chmod 700 '${home}/${base}/open'`);
    expect(one(`ls -A ~/${base}/open | wc -l`)).toBe('0');
  }, 60_000);
});
