/**
 * FAKE (test only). Kubernetes label selectors as the API server parses them from `labelSelector=`:
 * `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, joined by commas (AND).
 */
export type LabelSelector = (labels: Record<string, string> | undefined) => boolean;

export function parseLabelSelector(text: string | null | undefined): LabelSelector {
  if (!text) return () => true;
  const terms: LabelSelector[] = [];
  // Split on commas outside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  for (const raw of parts) {
    const p = raw.trim();
    if (!p) continue;
    let m: RegExpExecArray | null;
    if ((m = /^([^!=\s]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p))) {
      const [, key, op, list] = m as unknown as [string, string, string, string];
      const values = new Set(list.split(',').map((v) => v.trim()));
      terms.push(op === 'in' ? (l) => l?.[key] !== undefined && values.has(l[key]!) : (l) => l?.[key] === undefined || !values.has(l[key]!));
    } else if ((m = /^([^!=\s]+)\s*!=\s*(.*)$/.exec(p))) {
      const [, key, value] = m as unknown as [string, string, string];
      terms.push((l) => l?.[key] !== value.trim());
    } else if ((m = /^([^!=\s]+)\s*==?\s*(.*)$/.exec(p))) {
      const [, key, value] = m as unknown as [string, string, string];
      terms.push((l) => l?.[key] === value.trim());
    } else if ((m = /^!\s*(\S+)$/.exec(p))) {
      const key = m[1]!;
      terms.push((l) => l?.[key] === undefined);
    } else if (/^\S+$/.test(p)) {
      terms.push((l) => l?.[p] !== undefined);
    } else {
      throw new Error(`unable to parse requirement: ${p}`);
    }
  }
  return (labels) => terms.every((t) => t(labels));
}
