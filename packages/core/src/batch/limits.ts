/**
 * The cluster's limits: the profile's `maxArrayItems` when set, else the dialect's limits commands, run once
 * in one round trip. Never throws: a query that fails (or a dialect with none) knows no limit, and the
 * scheduler's own refusal at submit still names it.
 */
import type { SchedulerLimits } from '../scheduler/contract.js';
import type { Transport } from '../transport/contract.js';
import { logger } from '../util/debug.js';
import type { BatchDialect } from './dialect.js';
import { parseRoundTrip, roundTripScript } from './round-trip.js';

const LIMITS_TIMEOUT_MS = 30_000;

export async function readLimits(
  dialect: Pick<BatchDialect, 'name' | 'limitsArgv' | 'parseLimits'>,
  transport: Pick<Transport, 'exec'>,
  profile: Record<string, unknown>,
): Promise<SchedulerLimits> {
  const set = profile.maxArrayItems;
  if (typeof set === 'number') return { maxArrayItems: set, source: 'the cluster profile (maxArrayItems)' };
  if (!dialect.limitsArgv || !dialect.parseLimits) return { source: `${dialect.name} has no limits command` };
  try {
    const commands = dialect.limitsArgv();
    const out = await transport.exec(['sh', '-s'], { stdin: roundTripScript(commands, []), signal: AbortSignal.timeout(LIMITS_TIMEOUT_MS) });
    const rt = parseRoundTrip(out.stdout, commands.length, []);
    if (!rt.complete) throw new Error(`cut short (exit code ${out.code}): ${out.stderr.trim().slice(-300)}`);
    return dialect.parseLimits(rt.outputs);
  } catch (err) {
    logger(dialect.name)('cannot read the limits: %s', (err as Error).message);
    return { source: `unknown (the limits command failed: ${(err as Error).message.split('\n')[0]})` };
  }
}
