/**
 * Human forms of the resource model: times ('90s', '90m', '2h', '1d', '1h30m', '1-12:00:00',
 * 'HH:MM:SS', 'MM:SS', or seconds as a number) and memory ('512M', '4G', '4GiB', '1.5T',
 * or MiB as a number). Parsers return undefined on bad input; the schema turns that into a
 * ConfigError naming the key.
 */

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Seconds in a time value, or undefined when it is not a time. */
export function parseTime(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? Math.ceil(value) : undefined;
  const s = value.trim().toLowerCase();
  if (!s) return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return parseTime(Number(s));
  // D-HH:MM:SS, D-HH:MM, D-HH, HH:MM:SS, MM:SS (SLURM's forms)
  const clock = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(s);
  if (clock && (s.includes(':') || s.includes('-'))) {
    const [, d, a, b, c] = clock;
    const days = Number(d ?? 0);
    let h = 0, m = 0, sec = 0;
    if (d !== undefined) {
      h = Number(a); m = Number(b ?? 0); sec = Number(c ?? 0);
    } else if (c !== undefined) {
      h = Number(a); m = Number(b); sec = Number(c);
    } else {
      m = Number(a); sec = Number(b ?? 0);
    }
    if (m >= 60 || sec >= 60 || (d !== undefined && h >= 24)) return undefined;
    const total = days * 86400 + h * 3600 + m * 60 + sec;
    return total > 0 ? total : undefined;
  }
  // 1h30m, 90m, 2h, 1d, 45s, 1.5h
  const parts = s.replace(/\s+/g, '').match(/(\d+(?:\.\d+)?)([smhdw])/g);
  if (!parts || parts.join('') !== s.replace(/\s+/g, '')) return undefined;
  let total = 0;
  for (const p of parts) {
    const m = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(p)!;
    total += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  }
  return total > 0 ? Math.ceil(total) : undefined;
}

const UNIT_MIB: Record<string, number> = { k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024 };

/** MiB in a memory value, or undefined when it is not a memory size. Plain numbers are MiB. */
export function parseMemory(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? Math.ceil(value) : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt])?(?:i?b)?$/i.exec(value.trim());
  if (!m) return undefined;
  const mib = Number(m[1]) * UNIT_MIB[(m[2] ?? 'm').toLowerCase()]!;
  return mib > 0 ? Math.ceil(mib) : undefined;
}

/** Seconds as SLURM's D-HH:MM:SS (or HH:MM:SS under a day). */
export function formatClock(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const hms = [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
  return d > 0 ? `${d}-${hms}` : hms;
}

export const TIME_FORMS = "seconds as a number, or '90s', '90m', '2h', '1d', '1h30m', 'HH:MM:SS', 'D-HH:MM:SS'";
export const MEMORY_FORMS = "MiB as a number, or '512M', '4G', '4GiB', '1.5T'";
