import type { ReactNode } from 'react';
import { toInspectorError } from '../../client/async-state.js';
import { Spinner } from '../spinner.js';

interface Props {
  toolbar: ReactNode;
  total: number | null;
  exact: boolean;
  loading: boolean;
  error: unknown;
  /** The first page failed: no total to show. */
  failed: boolean;
  scaled: boolean;
  onRetry: () => void;
}

/** The bar above a grid: caller's toolbar, loading indicator, errors, and the row total. */
export function GridStatus({ toolbar, total, exact, loading, error, failed, scaled, onRetry }: Props) {
  const err = error ? toInspectorError(error) : null;
  return (
    <div className="vgrid-bar">
      <div className="vgrid-toolbar">{toolbar}</div>
      {err && (
        <span className="vgrid-error" data-testid="grid-error" role="alert" title={err.message}>
          <span className="error-code">{err.code}</span> {err.message}
          <button type="button" className="btn btn-xs" onClick={onRetry}>
            Retry
          </button>
        </span>
      )}
      {loading && <Spinner size="sm" label="Loading rows" />}
      {scaled && (
        <span className="vgrid-scaled" title="More rows than the browser can lay out 1:1: the scrollbar is scaled, use keys (PgUp/PgDn/Home/End) for fine moves">
          scaled
        </span>
      )}
      <span className="vgrid-total" data-testid="grid-total" data-total={total ?? ''}>
        {total === null ? (failed ? '—' : 'Loading…') : `${total.toLocaleString('en-US')}${exact ? '' : '+'} ${total === 1 ? 'row' : 'rows'}`}
      </span>
    </div>
  );
}
