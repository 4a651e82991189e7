import type { Progress } from '../../../shared/protocol.js';
import { Spinner } from '../../components/spinner.js';
import { formatBytes, formatCount } from '../../components/value/format.js';

export type ProgressUnit = 'bytes' | 'records' | 'steps';

interface Props {
  progress: Progress | null;
  unit: ProgressUnit;
  onCancel(): void;
  /** Prefix of the test ids: `${prefix}-progress`, `${prefix}-cancel`. */
  prefix: string;
  label: string;
}

const amount = (n: number, unit: ProgressUnit) => (unit === 'bytes' ? formatBytes(n) : formatCount(n));

/**
 * A running backup / verify / restore / export: the engine's message, done / total (bytes or
 * records), a full-width bar (indeterminate while the total is unknown) and Cancel.
 */
export function TaskProgress({ progress, unit, onCancel, prefix, label }: Props) {
  const total = progress?.total ?? 0;
  const pct = progress && total > 0 ? Math.min(100, Math.round((progress.done / total) * 100)) : null;
  return (
    <div
      className="task-progress"
      data-testid={`${prefix}-progress`}
      data-done={progress?.done ?? ''}
      data-total={progress?.total ?? ''}
      aria-live="polite"
    >
      <div className="task-progress-head">
        <Spinner size="sm" label={label} />
        <span className="task-progress-message" title={progress?.message ?? label}>
          {progress?.message ?? label}
        </span>
        {progress && (
          <span className="task-progress-count" data-testid={`${prefix}-progress-count`}>
            {amount(progress.done, unit)}
            {total > 0 && ` / ${amount(total, unit)}`}
            {unit === 'records' && ' records'}
            {pct !== null && <b> · {pct}%</b>}
          </span>
        )}
        <button type="button" className="btn btn-xs" onClick={onCancel} data-testid={`${prefix}-cancel`}>
          Cancel
        </button>
      </div>
      <div className={`task-progress-track${pct === null ? ' indeterminate' : ''}`} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct ?? undefined}>
        <span className="task-progress-fill" style={pct === null ? undefined : { width: `${Math.max(2, pct)}%` }} />
      </div>
    </div>
  );
}
