/** SSH transport: lands with issue 3. Until then a profile with `host` is refused with a clear error. */
import type { ClusterProfile } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import type { Transport } from '../contract.js';

export async function createSshTransport(profile: ClusterProfile, clusterName: string): Promise<Transport> {
  throw new ConfigError(`cluster '${clusterName}' sets host '${String(profile.host)}', but this build has no SSH transport yet`, {
    keyPath: `clusters.${clusterName}.host`,
  });
}
