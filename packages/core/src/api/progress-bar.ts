/**
 * A progress bar for `map` on a terminal (cli-progress, loaded only when a bar is shown). Off when
 * stderr is not a TTY, when CLUSTRIX_NO_PROGRESS is set, or with `progress: false`.
 */
import type { MapProgress } from './map-batch.js';

export function wantsProgressBar(option: boolean | undefined, total: number): boolean {
  if (option !== undefined) return option && total > 0;
  return Boolean(process.stderr.isTTY) && !process.env.CLUSTRIX_NO_PROGRESS && total > 1;
}

/** Returns an onProgress callback that draws the bar; the bar stops at the last item. */
export function progressBar(total: number, label: string): (p: MapProgress) => void {
  let bar: { update(v: number, payload: object): void; stop(): void } | undefined;
  let last: MapProgress | undefined;
  const ready = import('cli-progress').then((mod) => {
    const cli = (mod as unknown as { default?: typeof import('cli-progress') }).default ?? mod;
    const b = new cli.SingleBar(
      { format: `${label} [{bar}] {value}/{total} done, {failed} failed, {duration_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: false, noTTYOutput: true, notTTYSchedule: 2000 },
      cli.Presets.shades_classic,
    );
    b.start(total, 0, { failed: 0 });
    bar = b;
    if (last) draw(last);
  });
  ready.catch(() => undefined);
  const draw = (p: MapProgress) => {
    bar?.update(p.done, { failed: p.failed });
    if (p.done === p.total) bar?.stop();
  };
  return (p) => {
    last = p;
    draw(p);
  };
}
