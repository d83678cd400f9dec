// The optional second round trip of batch schedulers (BatchDialect.explainArgv): jobs that left the
// scheduler without an exit-code marker are explained by the dialect (SGE: qacct), and only those.
// A small dialect whose "scheduler" is files read with real shell commands; real job folders.
import { describe, expect, test } from '@jest/globals';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchScheduler, LocalTransport, type SchedulerReport } from '@clustrix/core/scheduler';
import { fileQueueDialect, parseQueueLine } from './fixtures/file-queue-dialect.js';

function world() {
  const root = mkdtempSync(join(tmpdir(), 'clustrix-explain-'));
  const queue = join(root, 'queue'); // "id state" or "id.task state" lines: what the status command says
  const acct = join(root, 'acct'); // acct/<id>: "state reason" or "task state reason" lines
  const asked = join(root, 'asked'); // one line per id the explain commands were run for
  mkdirSync(acct);
  writeFileSync(queue, '');
  writeFileSync(asked, '');
  const parseLine = parseQueueLine;
  const dialect = fileQueueDialect(queue, {
    explainArgv: (ids) => ids.map((id) => ['sh', '-c', 'echo "$1" >>"$2"; cat "$3"', 'sh', id, asked, join(acct, id)]),
    parseExplain: (outputs, ids) => {
      const reports = new Map<string, SchedulerReport>();
      outputs.forEach((o, i) => {
        if (o.code !== 0) return; // "not found": not explained yet
        const lines = o.stdout.split('\n').filter(Boolean);
        if (!lines.length) return;
        if (/^\d/.test(lines[0]!)) {
          const tasks = new Map(lines.map((l) => parseLine(l)).map(({ key, entry }) => [Number(key), entry] as const));
          reports.set(ids[i]!, { state: 'failed', schedulerState: 'DONE', tasks });
        } else {
          const { key, entry } = parseLine(`x ${lines[0]!}`);
          void key;
          reports.set(ids[i]!, entry);
        }
      });
      return reports;
    },
    explainGraceMs: (profile) => Number(profile.graceMs ?? 60_000),
  });
  const jobDir = (name: string, array = false) => {
    const d = join(root, 'jobs', name);
    mkdirSync(array ? join(d, 'exit_codes') : d, { recursive: true });
    return d;
  };
  const askedIds = () => readFileSync(asked, 'utf8').split('\n').filter(Boolean);
  return { root, queue, acct, dialect, jobDir, askedIds };
}

describe('explaining jobs that vanished without an exit-code marker', () => {
  test('only the vanished job is explained, in one extra round trip; a job with a marker or still queued is not', async () => {
    const w = world();
    const s = new BatchScheduler(w.dialect, new LocalTransport(), {});
    const done = { jobId: 'done', schedulerJobId: '1', jobDir: w.jobDir('done') };
    writeFileSync(join(done.jobDir, 'exit_code'), '0\n');
    const queued = { jobId: 'queued', schedulerJobId: '2', jobDir: w.jobDir('queued') };
    const killed = { jobId: 'killed', schedulerJobId: '3', jobDir: w.jobDir('killed') };
    writeFileSync(w.queue, '2 running\n');
    writeFileSync(join(w.acct, '3'), 'timeout failed 37 : qmaster enforced h_rt\n');
    const st = await s.status([done, queued, killed]);
    expect(st.get('done')).toMatchObject({ state: 'completed', exitCode: 0 });
    expect(st.get('queued')).toMatchObject({ state: 'running' });
    expect(st.get('killed')).toMatchObject({ state: 'timeout', reason: 'failed 37 : qmaster enforced h_rt' });
    expect(w.askedIds()).toEqual(['3']);
    expect(s.roundTrips).toBe(1);
    expect(s.explainTrips).toBe(1);
  });

  test('no vanished job, no second round trip', async () => {
    const w = world();
    const s = new BatchScheduler(w.dialect, new LocalTransport(), {});
    const a = { jobId: 'a', schedulerJobId: '1', jobDir: w.jobDir('a') };
    writeFileSync(w.queue, '1 pending\n');
    expect((await s.status([a])).get('a')?.state).toBe('pending');
    expect(s.explainTrips).toBe(0);
    expect(w.askedIds()).toEqual([]);
  });

  test('not explained yet: it waits as running within the grace period, then ends lost', async () => {
    const w = world();
    const ref = { jobId: 'a', schedulerJobId: '7', jobDir: w.jobDir('a') };
    const patient = new BatchScheduler(w.dialect, new LocalTransport(), {});
    expect((await patient.status([ref])).get('a')).toMatchObject({ state: 'running', schedulerState: 'exiting' });
    const impatient = new BatchScheduler(w.dialect, new LocalTransport(), { graceMs: 0 });
    const st = (await impatient.status([ref])).get('a');
    expect(st).toMatchObject({ state: 'lost', schedulerState: 'gone' });
    expect(st?.reason).toMatch(/testsched no longer reports it, it left no exit code/);
    // the record shows up later: the explanation wins over the stand-in
    writeFileSync(join(w.acct, '7'), 'cancelled failed 100 : assumedly after job\n');
    expect((await patient.status([ref])).get('a')).toMatchObject({ state: 'cancelled', reason: 'failed 100 : assumedly after job' });
  });

  test('a job Clustrix cancelled and nobody explains ends cancelled at once', async () => {
    const w = world();
    const s = new BatchScheduler(w.dialect, new LocalTransport(), {});
    const ref = { jobId: 'c', schedulerJobId: '9', jobDir: w.jobDir('c') };
    await s.cancel([ref]);
    expect((await s.status([ref])).get('c')).toMatchObject({ state: 'cancelled', schedulerState: 'deleted' });
  });

  test('an array: markers, the queue and the explanation each settle their own tasks', async () => {
    const w = world();
    const s = new BatchScheduler(w.dialect, new LocalTransport(), { graceMs: 0 });
    const ref = { jobId: 'arr', schedulerJobId: '5', jobDir: w.jobDir('arr', true), count: 4 };
    writeFileSync(join(ref.jobDir, 'exit_codes', '0'), '0\n');
    writeFileSync(w.queue, '5.1 running\n');
    appendFileSync(join(w.acct, '5'), '2 timeout failed 37\n');
    const st = (await s.status([ref])).get('arr')!;
    expect(st.tasks?.get(0)).toMatchObject({ state: 'completed' });
    expect(st.tasks?.get(1)).toMatchObject({ state: 'running' });
    expect(st.tasks?.get(2)).toMatchObject({ state: 'timeout', reason: 'failed 37' });
    expect(st.tasks?.get(3)).toMatchObject({ state: 'lost' }); // never ran, no record, grace 0
    expect(st.state).toBe('running');
    expect(w.askedIds()).toEqual(['5']);
  });
});
