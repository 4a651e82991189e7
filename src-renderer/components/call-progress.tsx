import type { Progress } from '../../shared/protocol.js';
import { Spinner } from './spinner.js';

/** A running engine call: spinner, progress from `onProgress` when the engine sends it, Cancel. */
export function CallProgress({ progress, onCancel, label = 'Working…' }: { progress: Progress | null; onCancel?: () => void; label?: string }) {
  const pct = progress && progress.total ? Math.min(100, Math.round((progress.done / progress.total) * 100)) : null;
  return (
    <div className="call-progress" data-testid="call-progress">
      <Spinner size="sm" />
      <span className="call-progress-label">{progress?.message ?? label}</span>
      {progress && (
        <span className="call-progress-count">
          {progress.done.toLocaleString('en-US')}
          {progress.total !== null && ` / ${progress.total.toLocaleString('en-US')}`}
        </span>
      )}
      {pct !== null && (
        <span className="progress-track" aria-valuenow={pct} role="progressbar">
          <span className="progress-fill" style={{ width: `${pct}%` }} />
        </span>
      )}
      {onCancel && (
        <button type="button" className="btn btn-xs" onClick={onCancel} data-testid="cancel-call">
          Cancel
        </button>
      )}
    </div>
  );
}
