/**
 * Progress of the long loads inside an engine call — a collection's vectors, its HNSW graph, a
 * WAL replay — for whoever runs the call (the contract's progress events, the CLI's stderr).
 *
 * The loads happen deep inside synchronous reads (a query loads its collection's vectors on first
 * use), so the reporter is installed around the call rather than passed through every signature.
 * Engine calls never interleave (they are synchronous), so one current reporter is enough.
 */
export interface LoadStep {
  done: number;
  total: number | null;
  message: string;
}

export type LoadReporter = (step: LoadStep) => void;

/** At most this often: a million-element load passes ~80 chunks. */
const INTERVAL_MS = 50;

let current: { report: LoadReporter; last: number } | null = null;

/** Runs `fn` with `report` receiving its load steps (throttled; the last step of each load always). */
export function withLoadProgress<T>(report: LoadReporter | undefined, fn: () => T): T {
  return report ? loadProgressScope(report)(fn) : fn();
}

/**
 * withLoadProgress for work done in several pieces (util/steps.ts runs each slice through the
 * scope): one throttle across them all, and the reporter installed only while a piece runs, so
 * other calls' pieces in between report to their own callers.
 */
export function loadProgressScope(report: LoadReporter): <T>(fn: () => T) => T {
  const scope = { report, last: 0 };
  return (fn) => {
    const outer = current;
    current = scope;
    try {
      return fn();
    } finally {
      current = outer;
    }
  };
}

/** Reports a step of the load in progress, if anyone listens. */
export function reportLoad(done: number, total: number | null, message: string): void {
  if (!current) return;
  const now = Date.now();
  if (done !== total && now - current.last < INTERVAL_MS) return;
  current.last = now;
  current.report({ done, total, message });
}
