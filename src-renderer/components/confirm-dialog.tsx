import { useEffect, useRef, type ReactNode } from 'react';

interface Props {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  /** Styles the confirm button as destructive. */
  danger?: boolean;
  busy?: boolean;
  /** The question cannot be confirmed (e.g. the engine refused for good); Cancel still works. */
  confirmDisabled?: boolean;
  onConfirm(): void;
  onCancel(): void;
  /** `data-testid` of the dialog; its buttons get `<testId>-ok` and `<testId>-cancel`. */
  testId: string;
  /** Extra actions, left of Cancel (e.g. "Write anyway"). */
  extra?: ReactNode;
}

/** A modal question: Escape or the backdrop cancels, Enter on the focused button confirms. */
export function ConfirmDialog({ title, children, confirmLabel, cancelLabel = 'Cancel', danger, busy, confirmDisabled, onConfirm, onCancel, testId, extra }: Props) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancelRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      // Handled here: the side panel under the dialog must not close too.
      e.preventDefault();
      e.stopPropagation();
      onCancel();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onCancel]);
  return (
    <div className="dialog-backdrop" onMouseDown={busy ? undefined : onCancel}>
      <div
        className="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={`${testId}-title`}
        data-testid={testId}
        onMouseDown={(e) => e.stopPropagation()}
      >
        <h3 className="dialog-title" id={`${testId}-title`}>
          {title}
        </h3>
        <div className="dialog-body">{children}</div>
        <div className="dialog-actions">
          {extra}
          <span className="spacer" />
          <button type="button" className="btn" ref={cancelRef} onClick={onCancel} disabled={busy} data-testid={`${testId}-cancel`}>
            {cancelLabel}
          </button>
          <button type="button" className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`} onClick={onConfirm} disabled={busy || confirmDisabled} data-testid={`${testId}-ok`}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
