import { cancelled, throwIfAborted } from '../backup/task.js';
import { loadProgressScope, type LoadReporter } from './load-progress.js';

/**
 * Work written once as a generator that yields at safe points (every few thousand entries, every
 * chunk read) and ends with its result, so the same code serves two kinds of caller: a
 * synchronous one runs it through (`runSteps`), and one whose thread serves others meanwhile (an
 * embedded client's event loop, a serve engine) runs it in slices that give the thread back
 * (`runStepsSliced`). A yield is a pause point, never a place where the work's inputs may change:
 * whoever slices it must keep what it reads still until it ends.
 */
export type Steps<T> = Generator<StepPause, T, void>;

/**
 * What a step yields: nothing (more work follows at once), or that it waits for another thread
 * (a worker's answer in shared memory): until `cell[index]` is no longer `value`, or `ms` pass.
 * Run through, the wait blocks (Atomics.wait); sliced, the thread serves others meanwhile.
 */
export type StepPause = void | { cell: Int32Array; index: number; value: number; ms: number };

/** A pause of `ms` milliseconds (a retry's back-off), as a wait that nothing ends early. */
export function pauseFor(ms: number): StepPause {
  return { cell: new Int32Array(new SharedArrayBuffer(4)), index: 0, value: 0, ms };
}

/** Steps begun by startSteps: the rest of them, and whether they now wait for another thread. */
export interface StartedSteps<T> {
  /** The steps from their first pause on (it is yielded again). Run them once. */
  steps: Steps<T>;
  /** Their first pause is a wait: another thread does their work now, and this one is free for other steps. */
  elsewhere: boolean;
  /** Ends them if they were never run to their end (their `finally` blocks run). */
  stop(): void;
}

/**
 * Runs `steps` up to their first pause now, so that work they hand to another thread (a worker's
 * read) goes on while the caller runs other steps; the caller takes the rest later.
 */
export function startSteps<T>(steps: Steps<T>): StartedSteps<T> {
  const first = steps.next();
  const rest = function* (): Steps<T> {
    if (first.done) return first.value;
    yield first.value;
    return yield* steps;
  };
  return { steps: rest(), elsewhere: !first.done && first.value !== undefined, stop: () => void steps.return(undefined as T) };
}

/** Atomics.waitAsync (Node ≥ 16; typed in the ES2024 library, which this project does not target). */
const waitAsync = (cell: Int32Array, index: number, value: number, ms: number) =>
  (Atomics as unknown as { waitAsync(c: Int32Array, i: number, v: number, ms: number): { async: boolean; value: unknown } }).waitAsync(cell, index, value, ms);

/** Runs the steps through on this thread and returns their result. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (r.value) Atomics.wait(r.value.cell, r.value.index, r.value.value, r.value.ms);
  }
}

export interface SliceOptions {
  /** Stops the steps with CANCELLED before the first step or at the first pause after it is aborted. */
  signal?: AbortSignal;
  /** Stops them the same way once it says so (a second reason to stop, without a combined signal to keep). */
  stopped?: () => boolean;
  /** About how long a slice runs before the thread is given back (default 20 ms). */
  sliceMs?: number;
  /** Receives the load progress the steps report (util/load-progress.ts), slice by slice. */
  report?: LoadReporter;
}

/**
 * Sliced work of every runner waits here for its next slice: one slice per turn of the event
 * loop, in the order they asked. Each runner giving the thread back by a setImmediate of its own
 * let every runner under way run a slice in the same turn (the check phase runs every immediate
 * queued before it), so with a persist, a vector load and a query's work ahead all in slices, a
 * timer or a socket waited for the sum of their slices. Now others wait for one slice, however
 * many runners there are; together the runners still use every turn.
 */
const sliceQueue: (() => void)[] = [];
let sliceTurnQueued = false;

function nextSliceTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    sliceQueue.push(resolve);
    if (!sliceTurnQueued) {
      sliceTurnQueued = true;
      setImmediate(runOneSlice);
    }
  });
}

function runOneSlice(): void {
  // A turn of its own: the runner it resumes starts a stretch.
  stretchStart = null;
  const next = sliceQueue.shift();
  // Queued from inside the check phase, the next one runs in the next turn, after timers and I/O.
  sliceTurnQueued = sliceQueue.length > 0;
  if (sliceTurnQueued) setImmediate(runOneSlice);
  next?.();
}

/**
 * When the stretch of sliced work running now began (null: none is running). The runners a call
 * chains (a filter's matches, then their labels, then the allowed set) continue one another
 * through their promises, in the same turn; each used to begin a slice of its own, and the call's
 * own part came after them, so one turn carried a runner's end, the next one's first slice and
 * the call (at five million records: ~15 + ~20 + ~80 ms). A runner now goes on with the stretch
 * it finds. A stretch ends with its turn: at the next slice turn (runOneSlice), at an immediate
 * (one queued from a slice turn runs only in the next iteration, so that alone would let a
 * stretch outlive its turn), and once no step has run for STRETCH_GAP_MS (the thread went on to
 * other work, or idled).
 */
let stretchStart: number | null = null;
let lastStepEnd = 0;

/** A pause this long between two sliced steps ends a stretch: chained runners follow one another within microseconds. */
const STRETCH_GAP_MS = 2;

function stretchBegan(): number {
  const now = performance.now();
  if (stretchStart !== null && now - lastStepEnd > STRETCH_GAP_MS) stretchStart = null;
  if (stretchStart === null) {
    stretchStart = now;
    lastStepEnd = now;
    setImmediate(() => (stretchStart = null));
  }
  return stretchStart;
}

/** Whether sliced work has run this stretch for `sliceMs` or more. */
function stretchSpent(sliceMs: number): boolean {
  const now = performance.now();
  return stretchStart !== null && now - lastStepEnd <= STRETCH_GAP_MS && now - stretchStart >= sliceMs;
}

/** Gives the thread back first (as a slice does) when sliced work has used this turn's `sliceMs`: for a call's own part after work ahead. */
export async function freshTurnIfSpent(sliceMs = DEFAULT_SLICE_MS): Promise<void> {
  if (stretchSpent(sliceMs)) await nextSliceTurn();
}

const DEFAULT_SLICE_MS = 20;

/** Runs the steps, giving the thread back (a turn of the event loop) about every `sliceMs`, and whenever they wait. */
export async function runStepsSliced<T>(steps: Steps<T>, opts: SliceOptions = {}): Promise<T> {
  const { signal, sliceMs = DEFAULT_SLICE_MS, report, stopped } = opts;
  const stopIfAsked = () => {
    throwIfAborted(signal);
    if (stopped?.()) throw cancelled();
  };
  const inScope = report ? loadProgressScope(report) : null;
  const step = () => steps.next();
  const spent = stretchSpent(sliceMs);
  let since = stretchBegan();
  try {
    stopIfAsked();
    // Begun in a turn that others' sliced work has used up: the first step waits for the next one.
    if (spent) {
      await nextSliceTurn();
      stopIfAsked();
      since = stretchBegan();
    }
    for (;;) {
      const r = inScope ? inScope(step) : step();
      lastStepEnd = performance.now();
      if (r.done) return r.value;
      if (r.value) {
        const { cell, index, value, ms } = r.value;
        const waited = waitAsync(cell, index, value, ms);
        if (waited.async) {
          // A pending waitAsync does not keep Node's event loop alive (and the thread it waits
          // for may be unref'd): with nothing else to do, the process would end mid-wait. A timer
          // as long as the wait does keep it.
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([waited.value, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
          clearTimeout(timer);
        }
      } else if (performance.now() - since < sliceMs) continue;
      else await nextSliceTurn();
      stopIfAsked();
      since = stretchBegan();
    }
  } finally {
    // Stopped at a pause (cancelled): the steps' own `finally` blocks run (a file they hold open is closed).
    steps.return(undefined as T);
  }
}
