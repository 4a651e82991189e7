import type { ReactNode } from 'react';
import { toInspectorError } from '../client/async-state.js';

interface Props {
  error: unknown;
  title?: string;
  onRetry?: () => void;
  children?: ReactNode;
  compact?: boolean;
}

/** Any engine failure, with its stable code and message; the rest of the UI stays usable. */
export function ErrorState({ error, title, onRetry, children, compact }: Props) {
  const err = toInspectorError(error);
  return (
    <div className={`error-state${compact ? ' compact' : ''}`} role="alert" data-testid="error-state" data-code={err.code}>
      <div className="error-head">
        <span className="error-icon" aria-hidden="true">!</span>
        <span className="error-title">{title ?? (err.code === 'CANCELLED' ? 'Cancelled' : 'Something went wrong')}</span>
        <code className="error-code" data-testid="error-code">
          {err.code}
        </code>
      </div>
      <p className="error-message" data-testid="error-message">
        {err.message}
      </p>
      {children}
      {onRetry && (
        <button type="button" className="btn btn-sm" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
