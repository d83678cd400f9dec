/**
 * FAKE (test only). Resident memory of a process and all its descendants, from Linux /proc — how the
 * fake kubelet enforces a container's memory limit (a real one leaves it to the cgroup).
 */
import { readFileSync } from 'node:fs';

function children(pid: number): number[] {
  const out: number[] = [];
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    if (text) for (const c of text.split(/\s+/)) out.push(Number(c));
  } catch {
    /* gone, or no children file */
  }
  return out;
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** RSS of `pid` and its descendants, in bytes. */
export function treeRssBytes(pid: number): number {
  let total = 0;
  const queue = [pid];
  const seen = new Set<number>();
  while (queue.length) {
    const p = queue.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    total += rssBytes(p);
    queue.push(...children(p));
  }
  return total;
}
