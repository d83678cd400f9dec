/** A sleep that `wake()` ends early (a cancel does not wait out a retry's backoff). */
export class WakeableSleep {
  private wakeSleep: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = () => {
        this.wakeSleep = undefined;
        done();
      };
    });
  }

  /** End the current sleep now (nothing when none is under way). */
  wake(): void {
    this.wakeSleep?.();
  }
}
