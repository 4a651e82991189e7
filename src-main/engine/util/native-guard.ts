import { InspectorError } from '../../../shared/errors.js';

/**
 * A thread terminated while inside hnswlib-node's native code aborts the whole process
 * (node-addon-api cannot throw into a terminating isolate: "FATAL ERROR: Error::ThrowAsJavaScript
 * Exception napi_throw"). So calls into it are marked in two Int32 flags shared with whoever may
 * terminate the thread — [0]: set to 1 once termination is coming, after which no call starts;
 * [1]: 1 while a call runs — and the terminating side waits (quiesceNative) for [1] to fall
 * before it terminates. The mark is set before [0] is read and [0] before [1] is read, so one of
 * the two sides always sees the other. checkpoint-build-program.ts follows the same protocol
 * (it cannot import this file).
 */
export const NATIVE_GUARD_BYTES = 8;

let threadGuard: SharedArrayBuffer | null = null;

/** Set by a pool engine thread from what its host passed (worker-pool/engine-worker.ts). */
export function setThreadNativeGuard(guard: SharedArrayBuffer): void {
  threadGuard = guard;
}

/** This thread's flags (its own, unseen by anyone, where no host passed any). */
export function threadNativeGuard(): SharedArrayBuffer {
  return (threadGuard ??= new SharedArrayBuffer(NATIVE_GUARD_BYTES));
}

/** Runs one call into native code under this thread's flags; CANCELLED once termination is coming. */
export function guardedNative<T>(call: () => T): T {
  const flags = new Int32Array(threadNativeGuard());
  Atomics.store(flags, 1, 1);
  if (Atomics.load(flags, 0) !== 0) {
    Atomics.store(flags, 1, 0);
    throw new InspectorError('CANCELLED', 'The engine is stopping');
  }
  try {
    return call();
  } finally {
    Atomics.store(flags, 1, 0);
  }
}

/**
 * For the side about to terminate a thread: no native call starts in it after this, and it
 * blocks until none runs (one insert, or an index save: about a second at most), up to `ms`.
 * Returns whether the thread is out of native code.
 */
export function quiesceNative(guard: SharedArrayBuffer, ms: number): boolean {
  const flags = new Int32Array(guard);
  Atomics.store(flags, 0, 1);
  const end = Date.now() + ms;
  while (Atomics.load(flags, 1) === 1) {
    if (Date.now() >= end) return false;
    Atomics.wait(flags, 1, 1, 50);
  }
  return true;
}
