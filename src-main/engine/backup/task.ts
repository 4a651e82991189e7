import { InspectorError } from '../../../shared/errors.js';

/** How far a long job has got. `total` is 0 while unknown. */
export interface Progress {
  done: number;
  total: number;
  message: string;
}

/** What every long-running backup/restore/export/import call accepts. */
export interface TaskOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export function cancelled(): InspectorError {
  return new InspectorError('CANCELLED', 'Cancelled', { reason: 'cancelled' });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

/** Turns a stream/abort error caused by the signal into the CANCELLED error callers expect. */
export function asCancelled(err: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return cancelled();
  if ((err as { name?: string } | null)?.name === 'AbortError') return cancelled();
  return err;
}

/**
 * Reports progress at most every `intervalMs` (plus the first and the final call), so a callback
 * that repaints a UI or a terminal line is not flooded by per-chunk updates.
 */
export class ProgressReporter {
  private last = 0;
  done = 0;

  constructor(
    private readonly onProgress: ((p: Progress) => void) | undefined,
    public total = 0,
    private readonly intervalMs = 100,
  ) {}

  report(message: string, force = false): void {
    if (!this.onProgress) return;
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    this.onProgress({ done: this.done, total: this.total, message });
  }

  advance(n: number, message: string): void {
    this.done += n;
    this.report(message);
  }
}

/** Sleeps `ms`, waking early (with CANCELLED) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
