/** Raw SGE baselines, run with the same transport Clustrix uses: qsub -terse + qstat polled every 50 ms. */
import type { Transport } from '@clustrix/core/scheduler';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Write a script that runs `node -e 0` (`count` tasks if an array) into `dir`; returns its path. */
export async function rawScript(t: Transport, dir: string, count?: number, marker = false): Promise<string> {
  const lines = ['#!/bin/bash', '#$ -S /bin/bash', '#$ -N raw', `#$ -o ${dir}/raw.out`, '#$ -j y', `#$ -wd ${dir}`];
  if (count) lines.push(`#$ -t 1-${count}`);
  lines.push('node -e 0');
  if (marker) lines.push('echo "$?" >"$1"');
  lines.push('');
  const name = count ? `raw-${count}.sh` : marker ? 'raw-marker.sh' : 'raw.sh';
  await t.writeFiles(dir, { [name]: lines.join('\n') }, { mode: 0o700 });
  return `${dir}/${name}`;
}

/** qsub the script, then poll qstat every 50 ms until the job (every task of it) has left the queue. */
export async function rawRun(t: Transport, script: string): Promise<void> {
  const sub = await t.exec(['qsub', '-terse', script]);
  if (sub.code !== 0) throw new Error(`qsub: ${sub.stderr}`);
  const id = sub.stdout.trim().split('.')[0]!;
  for (;;) {
    const q = await t.exec(['qstat']);
    if (q.code !== 0) throw new Error(`qstat: ${q.stderr}`);
    if (!q.stdout.split('\n').some((l) => l.trim().split(/\s+/)[0] === id)) return;
    await sleep(50);
  }
}

/** qsub the script (it writes a file when done), then poll for that file every 50 ms: the floor SGE allows. */
export async function rawRunMarker(t: Transport, script: string, dir: string, round: number): Promise<void> {
  const marker = `${dir}/done-${round}`;
  const sub = await t.exec(['qsub', '-terse', script, marker]);
  if (sub.code !== 0) throw new Error(`qsub: ${sub.stderr}`);
  while (!(await t.exists(marker))) await sleep(50);
}
