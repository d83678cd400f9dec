/** Raw SLURM baselines, run with the same transport Clustrix uses: sbatch + squeue polled every 50 ms. */
import type { Transport } from '@clustrix/core/scheduler';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Write a script that runs `node -e 0` (`count` tasks if an array) into `dir`; returns its path. */
export async function rawScript(t: Transport, dir: string, count?: number): Promise<string> {
  const lines = ['#!/bin/bash', `#SBATCH --output=${dir}/raw-%A_%a.out`, '#SBATCH --job-name=raw'];
  if (count) lines.push(`#SBATCH --array=0-${count - 1}`);
  lines.push('node -e 0', '');
  await t.writeFiles(dir, { 'raw.sh': lines.join('\n') }, { mode: 0o700 });
  return `${dir}/raw.sh`;
}

/** sbatch the script, then poll squeue every 50 ms until no task of the job is pending or running. */
export async function rawRun(t: Transport, script: string): Promise<void> {
  const sub = await t.exec(['sbatch', '--parsable', script]);
  if (sub.code !== 0) throw new Error(`sbatch: ${sub.stderr}`);
  const id = sub.stdout.trim().split(';')[0]!;
  for (;;) {
    const q = await t.exec(['squeue', '--noheader', '--array', '--states=all', '--format=%T', `--jobs=${id}`]);
    const states = q.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
    if (states.length && states.every((s) => !['PENDING', 'RUNNING', 'COMPLETING', 'CONFIGURING'].includes(s))) return;
    await sleep(50);
  }
}
