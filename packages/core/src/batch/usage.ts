/**
 * What ended jobs used, from the scheduler's accounting (SLURM's sacct, SGE's qacct, PBS's qstat -f -x).
 * Core asks once per ended attempt; the asks made within a short window go out together, as ONE remote
 * command running the dialect's usage commands for all their jobs (framed like the status round trip).
 * A query that fails answers nothing: usage is a report, never a reason for a job to fail.
 */
import type { UsageReport } from '../scheduler/contract.js';
import type { Transport } from '../transport/contract.js';
import { logger } from '../util/debug.js';
import type { BatchDialect } from './dialect.js';
import { parseRoundTrip, roundTripScript } from './round-trip.js';

/** How long an ask waits for others to join it before the query goes out, ms. */
export const USAGE_WINDOW_MS = 200;
/** A usage query that takes longer is given up (accounting daemon down): the runner's figures stand. */
export const USAGE_TIMEOUT_MS = 30_000;

interface Gathering {
  ids: Set<string>;
  result: Promise<Map<string, UsageReport>>;
}

export class UsageQueries {
  /** Usage queries made (for tests: jobs that end together share one). */
  trips = 0;
  private gathering: Gathering | undefined;
  private readonly log;

  constructor(
    private readonly dialect: Pick<BatchDialect, 'name' | 'usageArgv' | 'parseUsage'>,
    private readonly transport: Pick<Transport, 'exec'>,
    private readonly windowMs = USAGE_WINDOW_MS,
    private readonly timeoutMs = USAGE_TIMEOUT_MS,
  ) {
    this.log = logger(dialect.name);
  }

  /** Usage by scheduler job id for `ids` (and whatever else is asked in the same window). */
  ask(ids: readonly string[]): Promise<Map<string, UsageReport>> {
    if (!this.dialect.usageArgv || !this.dialect.parseUsage || !ids.length) return Promise.resolve(new Map());
    if (!this.gathering) {
      const g: Gathering = { ids: new Set(), result: Promise.resolve(new Map()) };
      g.result = new Promise((r) => setTimeout(r, this.windowMs)).then(() => {
        if (this.gathering === g) this.gathering = undefined;
        return this.query([...g.ids]);
      });
      this.gathering = g;
    }
    for (const id of ids) this.gathering.ids.add(id);
    return this.gathering.result;
  }

  private async query(ids: string[]): Promise<Map<string, UsageReport>> {
    try {
      const commands = this.dialect.usageArgv!(ids);
      const out = await this.transport.exec(['sh', '-s'], { stdin: roundTripScript(commands, []), signal: AbortSignal.timeout(this.timeoutMs) });
      this.trips++;
      const rt = parseRoundTrip(out.stdout, commands.length, []);
      if (!rt.complete) throw new Error(`the usage command was cut short (exit code ${out.code}): ${out.stderr.trim().slice(-300)}`);
      return this.dialect.parseUsage!(rt.outputs, ids);
    } catch (err) {
      this.log('cannot read the usage of %s: %s', ids.join(','), (err as Error).message);
      return new Map();
    }
  }
}
