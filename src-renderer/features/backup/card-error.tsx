import { toInspectorError } from '../../client/async-state.js';
import { ErrorState } from '../../components/error-state.js';

/**
 * A failed call inside a card: code, message and, for backup/restore failures, the engine's
 * stable `details.reason`. A cancel is not a failure, so it shows as a quiet note.
 */
export function CardError({ error, testId }: { error: unknown; testId: string }) {
  const err = toInspectorError(error);
  if (err.code === 'CANCELLED') {
    return (
      <div className="card-note" role="status" data-testid={testId} data-code={err.code}>
        <code className="card-note-code">CANCELLED</code> Cancelled. Run it again whenever you like.
      </div>
    );
  }
  const reason = typeof err.details?.reason === 'string' ? err.details.reason : null;
  return (
    <div className="card-error" data-testid={testId} data-code={err.code} data-reason={reason ?? undefined}>
      <ErrorState error={err} compact>
        {reason && (
          <p className="error-reason">
            reason <code>{reason}</code>
          </p>
        )}
      </ErrorState>
    </div>
  );
}
