import type { ReactNode } from 'react';
import { toInspectorError } from '../client/async-state.js';

interface Props {
  error: unknown;
  title?: string;
  onRetry?: () => void;
  children?: ReactNode;
  compact?: boolean;
}

const TITLES: Partial<Record<string, string>> = {
  CANCELLED: 'Cancelled',
  NOT_FOUND: 'Not found',
  NOT_A_CHROMA_FOLDER: 'Not a Chroma folder',
  UNSUPPORTED_FORMAT: 'Unsupported format',
  CORRUPT_SQLITE: 'Corrupt SQLite database',
  CORRUPT_HNSW: 'Corrupt HNSW files',
  CORRUPT_PICKLE: 'Corrupt index_metadata.pickle',
  CORRUPT_WAL: 'Corrupt WAL row',
  UNKNOWN_SCHEMA: 'Unknown schema',
  INVALID_ARGUMENT: 'Invalid argument',
  DIMENSION_MISMATCH: 'Dimension mismatch',
  INTERNAL_ID_NOT_FOUND: 'Internal id not found',
  VECTORS_MISSING: 'Vectors missing or damaged',
  FOLDER_BUSY: 'Folder busy',
  READ_ONLY: 'Read-only',
  UNAUTHORIZED: 'Not authorised',
  SERVER_UNREACHABLE: 'Server unreachable',
  SERVER_UNSUPPORTED: 'Server not supported',
  EMBEDDING_UNAVAILABLE: 'Cannot embed text here',
  FOLDER_ONLY: 'Needs a folder',
};

/** Any engine failure, with its stable code and message; the rest of the UI stays usable. */
export function ErrorState({ error, title, onRetry, children, compact }: Props) {
  const err = toInspectorError(error);
  return (
    <div className={`error-state${compact ? ' compact' : ''}`} role="alert" data-testid="error-state" data-code={err.code}>
      <div className="error-head">
        <span className="error-icon" aria-hidden="true">!</span>
        <span className="error-title">{title ?? TITLES[err.code] ?? 'Something went wrong'}</span>
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
