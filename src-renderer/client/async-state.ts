import { InspectorError } from '../../shared/errors.js';
import type { Progress } from '../../shared/protocol.js';

export type AsyncState<T> =
  | { status: 'idle' }
  | { status: 'loading'; progress: Progress | null }
  | { status: 'success'; value: T }
  | { status: 'error'; error: InspectorError };

export type Task<T> = (signal: AbortSignal, onProgress: (p: Progress) => void) => Promise<T>;

/** Anything thrown becomes an InspectorError, so error states can always show code + message. */
export function toInspectorError(err: unknown): InspectorError {
  if (err instanceof InspectorError) return err;
  if (err instanceof Error && err.name === 'AbortError') return new InspectorError('CANCELLED', 'Cancelled');
  if (typeof err === 'object' && err !== null && typeof (err as InspectorError).code === 'string') {
    const e = err as { code: InspectorError['code']; message?: string };
    return new InspectorError(e.code, e.message ?? String(e.code));
  }
  return new InspectorError('INTERNAL', err instanceof Error ? err.message : String(err));
}

export const isCancelled = (err: unknown) => err instanceof InspectorError && err.code === 'CANCELLED';
