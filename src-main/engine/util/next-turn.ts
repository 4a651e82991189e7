import { setImmediate } from 'node:timers/promises';

/**
 * Resolves on a later turn of the event loop, after the I/O, timers and worker messages waiting
 * now (a cancel, a build's "done"): how work that runs in pieces gives the thread back between
 * them. Awaiting an already resolved promise would not: microtasks run before any of those.
 */
export function nextTurn(): Promise<void> {
  return setImmediate();
}
