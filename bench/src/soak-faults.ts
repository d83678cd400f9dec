/**
 * The soak's fault injector, on the multi-node SLURM testbed (cluster mn) and the testbed sshd:
 * at random intervals it kills a slurmd node as a crash would (its slurmd, slurmstepd's and job
 * processes; restarted after `nodeDownMs`), cuts the SSH connection Clustrix holds (kills the sshd
 * child serving it, never the listener) or restarts mn's slurmctld. One node down at a time.
 */
import { killServerSide } from '../../packages/core/test/ssh-testbed.js';
import { killNode, nodeStates, restartNode, restartSlurmctld } from '../../packages/schedulers-slurm/test/multinode-testbed.js';

export interface FaultCounts {
  node: number;
  ssh: number;
  ctld: number;
  failedInjections: number;
}

export interface InjectorOptions {
  /** Random pause between two faults, ms. */
  minGapMs: number;
  maxGapMs: number;
  /** How long a killed node stays dead (long enough for SLURM to mark it DOWN and requeue). */
  nodeDownMs: number;
  /** The local TCP ports of Clustrix's SSH connection to the login node (latest last). */
  sshPorts: () => number[];
  log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

export class FaultInjector {
  readonly counts: FaultCounts = { node: 0, ssh: 0, ctld: 0, failedInjections: 0 };
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly restarts: Promise<void>[] = [];
  private nodeDown = false;

  constructor(private readonly o: InjectorOptions) {}

  start(): void {
    this.loop = this.run();
  }

  /** Stop injecting; wait until every killed node is back. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await Promise.all(this.restarts);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const gap = this.o.minGapMs + Math.random() * (this.o.maxGapMs - this.o.minGapMs);
      for (let waited = 0; waited < gap && !this.stopped; waited += 250) await sleep(250);
      if (this.stopped) break;
      const kind = pick(this.nodeDown ? (['ssh', 'ctld'] as const) : (['node', 'node', 'ssh', 'ssh', 'ctld'] as const));
      try {
        await this.inject(kind);
      } catch (err) {
        this.counts.failedInjections++;
        this.o.log(`fault ${kind} could not be injected: ${(err as Error).message}`);
      }
    }
  }

  private async inject(kind: 'node' | 'ssh' | 'ctld'): Promise<void> {
    if (kind === 'node') {
      const up = Object.entries(nodeStates()).filter(([, s]) => /^(idle|mix|alloc)/.test(s)).map(([n]) => n);
      if (up.length < 3) return; // keep two nodes at least
      const node = pick(up);
      const k = killNode(node);
      this.counts.node++;
      this.nodeDown = true;
      this.o.log(`fault: node ${node} killed (slurmd ${k.slurmd ?? '-'}, ${k.stepds.length} slurmstepd, ${k.procs.length} job processes)`);
      this.restarts.push(
        sleep(this.o.nodeDownMs)
          .then(() => restartNode(node))
          .then(() => this.o.log(`node ${node} back`))
          .catch((err: unknown) => this.o.log(`node ${node} did not come back: ${(err as Error).message}`))
          .finally(() => (this.nodeDown = false)),
      );
    } else if (kind === 'ssh') {
      const port = this.o.sshPorts().at(-1);
      if (port === undefined) return;
      const killed = killServerSide(port);
      if (killed.length) this.counts.ssh++;
      this.o.log(`fault: SSH connection from port ${port} cut (sshd ${killed.join(', ') || 'none found'})`);
    } else {
      await restartSlurmctld();
      this.counts.ctld++;
      this.o.log('fault: slurmctld of mn restarted');
    }
  }
}
