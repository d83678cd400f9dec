/**
 * Core's resource model → a container's requests and limits (pure; tested on its own):
 *
 *   cpus: 4        → requests.cpu = limits.cpu = "4"
 *   memory: '4G'   → requests.memory = limits.memory = "4096Mi"   (exceeding it: OOMKilled)
 *   gpus: 2        → limits["nvidia.com/gpu"] = "2"               (`gpuResource` changes the name)
 *   gpus: 'a100:2' → the same, plus nodeSelector[gpuTypeLabel] = "a100"
 *   time: '2h'     → activeDeadlineSeconds = 7200 (the Job's for a call, each pod's for a map)
 */
import { ConfigError, normalizeResources, type JobOptions } from '@clustrix/core/scheduler';
import type { KubernetesSettings } from './options.js';

export interface PodResources {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
  /** Node labels a typed GPU request selects on. */
  nodeSelector?: Record<string, string>;
  /** The `time` limit in seconds. */
  deadlineSeconds?: number;
}

export function podResources(options: JobOptions, settings: Pick<KubernetesSettings, 'gpuResource' | 'gpuTypeLabel'>, jobId?: string): PodResources {
  const r = normalizeResources(options, 'kubernetes');
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  const out: PodResources = {};
  if (r.cpus !== undefined) requests.cpu = limits.cpu = String(r.cpus);
  if (r.memoryMiB !== undefined) requests.memory = limits.memory = `${r.memoryMiB}Mi`;
  if (r.gpus) {
    limits[settings.gpuResource] = String(r.gpus.count);
    if (r.gpus.type !== undefined) {
      if (!settings.gpuTypeLabel) {
        throw new ConfigError(
          `gpus '${String(options.gpus)}' names a GPU type, but the cluster profile has no \`gpuTypeLabel\` to select nodes by; ` +
            `set \`gpuTypeLabel\` (e.g. 'nvidia.com/gpu.product') or give a count (gpus: ${r.gpus.count})`,
          { scope: 'kubernetes', keyPath: 'gpus', ...(jobId ? { jobId } : {}) },
        );
      }
      out.nodeSelector = { [settings.gpuTypeLabel]: r.gpus.type };
    }
  }
  if (r.timeSeconds !== undefined) out.deadlineSeconds = r.timeSeconds;
  if (Object.keys(requests).length) out.requests = requests;
  if (Object.keys(limits).length) out.limits = limits;
  return out;
}
