/**
 * The securityContext every pod gets unless the profile says otherwise: what the "restricted" Pod
 * Security Standard asks for (runAsNonRoot with a numeric uid, no privilege escalation, every
 * capability dropped, the runtime's default seccomp profile), so Jobs are admitted in namespaces
 * that enforce it. `securityContext` (pod) and `containerSecurityContext` (container) in the profile
 * are merged over these defaults, key by key.
 */

/** The `node` user of the official Node.js images (node:20-slim...). */
export const DEFAULT_UID = 1000;
export const DEFAULT_GID = 1000;

export function podSecurityContext(override: Record<string, unknown> | undefined): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: DEFAULT_UID,
    runAsGroup: DEFAULT_GID,
    seccompProfile: { type: 'RuntimeDefault' },
    ...(override ?? {}),
  };
}

export function containerSecurityContext(override: Record<string, unknown> | undefined): Record<string, unknown> {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
    ...(override ?? {}),
  };
}
