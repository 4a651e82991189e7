import { InspectorError } from '../../../shared/errors.js';
import { cancelled, throwIfAborted } from '../backup/task.js';

/** Whether an error is the CANCELLED a stopped slice throws (util/steps.ts). */
export function isCancelled(err: unknown): boolean {
  return err instanceof InspectorError && err.code === 'CANCELLED';
}

/**
 * Waits for work another caller started (its outcome is that caller's), or stops with CANCELLED
 * when this caller's own signal is aborted first.
 */
export function settledOrCancelled(work: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  const settled = work.then(
    () => undefined,
    () => undefined,
  );
  if (!signal) return settled;
  throwIfAborted(signal);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    void settled.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
