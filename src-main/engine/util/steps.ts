import { throwIfAborted } from '../backup/task.js';

/**
 * Work written once as a generator that yields at safe points (every few thousand entries, every
 * chunk read) and ends with its result, so the same code serves two kinds of caller: a
 * synchronous one runs it through (`runSteps`), and one whose thread serves others meanwhile (an
 * embedded client's event loop, a serve engine) runs it in slices that give the thread back
 * (`runStepsSliced`). A yield is a pause point, never a place where the work's inputs may change:
 * whoever slices it must keep what it reads still until it ends.
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs the steps through on this thread and returns their result. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Runs the steps, giving the thread back (a turn of the event loop) about every `sliceMs`; stops
 * with CANCELLED before the first step or at the first pause after `signal` is aborted.
 */
export async function runStepsSliced<T>(steps: Steps<T>, signal?: AbortSignal, sliceMs = 20): Promise<T> {
  let since = performance.now();
  try {
    throwIfAborted(signal);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      if (performance.now() - since < sliceMs) continue;
      await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfAborted(signal);
      since = performance.now();
    }
  } finally {
    // Stopped at a pause (cancelled): the steps' own `finally` blocks run (a file they hold open is closed).
    steps.return(undefined as T);
  }
}
