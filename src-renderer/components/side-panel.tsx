import { useEffect, type ReactNode } from 'react';

/** The detail panel at the right of a grid; Escape closes it. */
export function SidePanel({ title, onClose, children, testId = 'detail-panel' }: { title: ReactNode; onClose: () => void; children: ReactNode; testId?: string }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <aside className="side-panel" data-testid={testId}>
      <header className="side-panel-head">
        <div className="side-panel-title">{title}</div>
        <button type="button" className="btn btn-icon" onClick={onClose} aria-label="Close panel" data-testid="detail-close" title="Close (Esc)">
          ×
        </button>
      </header>
      <div className="side-panel-body">{children}</div>
    </aside>
  );
}
