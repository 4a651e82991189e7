import { inIdleSlices } from './idle-slices.js';
import type { Steps } from './steps.js';

/**
 * Caches built in idle slices of the engine's thread, one page of rows a slice, while the calls
 * that would use them go on without (a large segment's metadata columns: SqlColumnSource.
 * buildInBackground says when and why; its labels table: RecordLabels.buildInBackground). No
 * call waits for them, so they give way to calls under way and to first queries
 * (util/idle-slices.ts holdForCalls). One build per key at a time.
 */
export class BackgroundBuilds {
  private readonly running = new Map<string, () => void>();

  /** Whether the key's cache is being built. */
  has(key: string): boolean {
    return this.running.has(key);
  }

  /**
   * Runs the build's steps, one a slice, until they end, throw or are stopped. `steps` is given
   * whether the build still runs, to check before each page: a stopped build keeps nothing. A
   * build that throws keeps nothing either; the key's next use starts it again, and a filter
   * that reads the same rows through SQL reports what is wrong with them.
   */
  start(key: string, steps: (running: () => boolean) => Steps<void>): void {
    if (this.running.has(key)) return;
    let running = true;
    // Inside a step: a page's read that finds the data changed retires the reader, which stops
    // this build from within it, where the steps cannot be returned yet.
    let stepping = false;
    const end = (): void => {
      running = false;
      if (this.running.get(key) === stop) this.running.delete(key);
      // Their `finally` blocks run (SqlColumnSource.columnSteps notes the build's end there).
      if (!stepping) pages.return();
    };
    const pages = steps(() => running);
    const stopSlices = inIdleSlices(
      () => {
        if (running) {
          stepping = true;
          try {
            if (!pages.next().done && running) return false;
          } catch {
            // Kept nothing (above).
          } finally {
            stepping = false;
          }
        }
        end();
        return true;
      },
      // No call waits for it: it gives way to calls under way (holdForCalls), and to first queries.
      { yieldsToCalls: true },
    );
    const stop = (): void => {
      end();
      stopSlices();
    };
    this.running.set(key, stop);
  }

  /** Stops the key's build, if one runs: nothing of it is kept. */
  stop(key: string): void {
    this.running.get(key)?.();
  }

  stopAll(): void {
    for (const stop of [...this.running.values()]) stop();
  }
}
