import { vi } from 'vitest';
import { PreparedLoad } from '../../src-main/engine/collection/prepared-load.js';

/**
 * Watches the background loads that start (PreparedLoad.startSteps: in slices after a first
 * query, or at once when a load takes one still to start): `started` receives each one's result
 * once it has run to its end (null: nothing prepared); `calls` counts the starts begun.
 */
export function watchStarts() {
  const started: (PreparedLoad | null)[] = [];
  const original = PreparedLoad.startSteps.bind(PreparedLoad);
  const spy = vi.spyOn(PreparedLoad, 'startSteps').mockImplementation(function* (...args: Parameters<typeof PreparedLoad.startSteps>) {
    const prepared = yield* original(...args);
    started.push(prepared);
    return prepared;
  });
  return {
    started,
    calls: () => spy.mock.calls.length,
    /** The loads prepared (not null) so far. */
    prepared: () => started.filter((p): p is PreparedLoad => p !== null),
    restore: () => spy.mockRestore(),
  };
}
