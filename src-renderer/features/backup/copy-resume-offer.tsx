import { formatCount } from '../../components/value/format.js';
import type { CopyConflict } from './copy-input.js';

/**
 * The engine refused to write into a target collection that already holds records. Nothing was
 * written. Resuming is right only when those records come from an earlier copy of this same
 * source, so the offer says what it does before the user takes it.
 */
export function CopyConflictOffer({ conflict, onResume }: { conflict: CopyConflict; onResume(): void }) {
  const holds = conflict.targetCount === null ? 'already holds records' : `already holds ${formatCount(conflict.targetCount)} record${conflict.targetCount === 1 ? '' : 's'}`;
  return (
    <div className="copy-offer" role="alert" data-testid="copy-conflict" data-collection={conflict.collection ?? undefined}>
      <div className="copy-offer-head">
        <span className="result-warn" aria-hidden="true">
          !
        </span>
        <span>
          Nothing copied: {conflict.collection ? <b>{conflict.collection}</b> : 'a collection'} {holds} in the target
        </span>
      </div>
      <p>
        If an earlier copy into it was interrupted, resume it: records whose ids are already there are left as they are, and only the missing ones are
        copied. If that collection holds other data, choose another target instead.
      </p>
      <p className="muted copy-offer-engine">{conflict.message}</p>
      <div className="copy-offer-actions">
        <button type="button" className="btn btn-primary btn-sm" onClick={onResume} data-testid="copy-resume-retry">
          Resume: copy only the missing records
        </button>
      </div>
    </div>
  );
}

/** A cancelled copy: what was written stays in the target, and resuming continues from there. */
export function CopyCancelledOffer({ onResume }: { onResume(): void }) {
  return (
    <div className="card-note copy-cancelled" role="status" data-testid="copy-error" data-code="CANCELLED">
      <code className="card-note-code">CANCELLED</code> Cancelled. The records copied so far stay in the target.{' '}
      <button type="button" className="link-btn" onClick={onResume} data-testid="copy-resume-cancelled">
        Resume the copy
      </button>{' '}
      to continue where it stopped.
    </div>
  );
}
