/** Raw PBS baselines, run with the same transport Clustrix uses: qsub + qstat polled every 50 ms. */
import type { Transport } from '@clustrix/core/scheduler';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type RawFlavour = 'pbspro' | 'torque';

/** Write a script that runs `node -e 0` (`count` tasks if an array: `-J` on PBS Pro/OpenPBS, `-t` on Torque) into `dir`. */
export async function rawPbsScript(t: Transport, dir: string, name: string, count?: number, flavour: RawFlavour = 'pbspro'): Promise<string> {
  const lines = ['#!/bin/bash', `#PBS -N ${name}`];
  if (count) lines.push(`#PBS ${flavour === 'pbspro' ? '-J' : '-t'} 0-${count - 1}`);
  lines.push('node -e 0', '');
  const file = `${name}.sh`;
  await t.writeFiles(dir, { [file]: lines.join('\n') }, { mode: 0o700 });
  return `${dir}/${file}`;
}

async function qsub(t: Transport, dir: string, script: string, array: boolean): Promise<string> {
  // an OpenPBS array writes one output file per subjob: ^array_index^ names them
  const suffix = array ? '.^array_index^' : '';
  const sub = await t.exec(['qsub', '-o', `${dir}/raw.out${suffix}`, '-e', `${dir}/raw.err${suffix}`, script]);
  if (sub.code !== 0) throw new Error(`qsub: ${sub.stderr || sub.stdout}`);
  return sub.stdout.trim().split('\n').pop()!.trim();
}

/**
 * PBS Pro/OpenPBS: qsub one job or array, then poll `qstat -x -f ID` every 50 ms until it shows F
 * (the job history keeps it; for an array the parent `N[]` turns F when its last subjob ends).
 */
export async function rawPbsproRun(t: Transport, dir: string, script: string, array = false): Promise<void> {
  const id = await qsub(t, dir, script, array);
  for (;;) {
    const q = await t.exec(['qstat', '-x', '-f', id]);
    if (/job_state = F/.test(q.stdout)) return;
    if (q.code !== 0 && !q.stdout.trim()) throw new Error(`qstat -x -f ${id}: ${q.stderr.trim()}`);
    await sleep(50);
  }
}

/** Torque (SLURM's wrappers): qsub one job, then poll `qstat -f ID` every 50 ms until it shows C (or is gone). */
export async function rawPbsRun(t: Transport, dir: string, script: string): Promise<void> {
  const id = await qsub(t, dir, script, false);
  for (;;) {
    const q = await t.exec(['qstat', '-f', id]);
    const state = /job_state = (\w)/.exec(q.stdout)?.[1];
    if (state === 'C' || state === 'F' || (q.code !== 0 && !q.stdout.trim())) return;
    await sleep(50);
  }
}

/**
 * Torque (SLURM's wrappers): qsub an array, then poll `qstat -u USER` every 50 ms until no job of that
 * name is queued or running: on the wrappers each started task is its own job and `qstat ARRAYID` shows only one.
 */
export async function rawPbsArrayRun(t: Transport, dir: string, script: string, name: string, user: string): Promise<void> {
  await qsub(t, dir, script, false);
  for (;;) {
    const q = await t.exec(['qstat', '-u', user]);
    const active = q.stdout.split('\n').filter((l) => {
      const cols = l.trim().split(/\s+/);
      return cols[3] === name && (cols[9] === 'Q' || cols[9] === 'R');
    });
    if (!active.length) return;
    await sleep(50);
  }
}
