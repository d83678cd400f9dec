/** FAKE (test only). Pieces of core/v1 PodStatus the fake kubelet writes, and the log API's tail. */
import { now } from './store.js';

/** The pod conditions a kubelet reports for a started pod (Ready or not, and why not). */
export function podConditions(ready: boolean, reason?: string): Array<Record<string, unknown>> {
  const t = now();
  const r = ready ? {} : reason ? { reason } : { reason: 'ContainersNotReady', message: 'containers with unready status: [job]' };
  return [
    { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: t },
    { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: t },
    { type: 'Ready', status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: t, ...r },
    { type: 'ContainersReady', status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: t, ...r },
    { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: t },
  ];
}

/** What GET .../log?tailLines=&limitBytes= returns from a container log. */
export function tailLog(text: string, tailLines?: number, limitBytes?: number): string {
  let out = text;
  if (tailLines !== undefined) {
    const lines = out.split('\n');
    const last = lines[lines.length - 1] === '' ? lines.slice(0, -1) : lines;
    out = last.slice(Math.max(0, last.length - tailLines)).join('\n') + (last.length ? '\n' : '');
  }
  if (limitBytes !== undefined) out = out.slice(0, limitBytes);
  return out;
}
