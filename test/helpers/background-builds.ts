import { afterEach, beforeEach, expect, vi } from 'vitest';
import { columnTuning } from '../../src-main/engine/filter/sql-column-source.js';

/**
 * For tests of caches built in the background (util/background-builds.ts) on the small fixtures:
 * every segment counts as large for each test of the file (columnTuning.backgroundFromRows 0),
 * and `smallPages` (called before each test) makes a build read few rows a page, so that it spans
 * many calls. Mocks are restored after each test.
 */
export function backgroundBuildsOnSmallFixtures(smallPages: () => void): void {
  let saved = columnTuning.backgroundFromRows;
  beforeEach(() => {
    saved = columnTuning.backgroundFromRows;
    columnTuning.backgroundFromRows = 0;
    smallPages();
  });
  afterEach(() => {
    columnTuning.backgroundFromRows = saved;
    vi.restoreAllMocks();
  });
}

/** Turns of the event loop (timers: idle slices run on them) until `done`, or fail after `limit`. */
export async function turnsUntil(done: () => boolean, limit = 20_000): Promise<void> {
  for (let i = 0; i < limit && !done(); i++) await new Promise((r) => setTimeout(r, 0));
  expect(done()).toBe(true);
}
