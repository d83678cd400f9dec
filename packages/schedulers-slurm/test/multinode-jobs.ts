// Classes whose @cluster methods the multi-node SLURM fault tests submit for real (cluster mn).
import { execFileSync } from 'node:child_process';
import { cluster, jobEnvironment } from '@clustrix/core';

export interface RunInfo {
  tag: string;
  node: string | undefined;
  restarts: number;
}

const runInfo = (tag: string): RunInfo => ({ tag, node: process.env.SLURMD_NODENAME, restarts: Number(process.env.SLURM_RESTART_COUNT ?? 0) });

export class NodeWork {
  /** Sleep `seconds`, saying on stdout which node and which run it is (a requeued job runs again). */
  @cluster()
  async work(tag: string, seconds: number): Promise<RunInfo> {
    process.stdout.write(`run of ${tag} on ${process.env.SLURMD_NODENAME} restart ${process.env.SLURM_RESTART_COUNT ?? 0}\n`);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    return runInfo(tag);
  }

  /** Where the job is: the allocation from jobEnvironment(), and `srun` on every node of it. */
  @cluster()
  async spread(): Promise<{ allocation: unknown; srun: string[] }> {
    const out = execFileSync('srun', ['/bin/sh', '-c', 'echo "$SLURMD_NODENAME $SLURM_NODEID"'], { encoding: 'utf8' });
    return { allocation: jobEnvironment()?.allocation, srun: out.trim().split('\n').sort() };
  }

  @cluster()
  async square(x: number, ms: number): Promise<number> {
    await new Promise((r) => setTimeout(r, ms));
    return x * x;
  }
}

/** Counts up, one step per 200 ms; checkpoint() keeps the count, so a requeued run continues from it. */
export class Counter {
  count = 0;
  resumedAt: number | undefined;

  @cluster()
  async countTo(target: number): Promise<{ count: number; resumedAt: number | undefined; restarts: number; node: string | undefined }> {
    if (this.count > 0) this.resumedAt = this.count;
    while (this.count < target) {
      this.count++;
      await new Promise((r) => setTimeout(r, 200));
    }
    return { count: this.count, resumedAt: this.resumedAt, restarts: Number(process.env.SLURM_RESTART_COUNT ?? 0), node: process.env.SLURMD_NODENAME };
  }

  checkpoint(): { count: number } {
    return { count: this.count };
  }
}
