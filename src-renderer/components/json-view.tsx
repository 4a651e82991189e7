import { useState } from 'react';
import { CopyButton } from './copy-button.js';

/** Collapsible, pretty-printed JSON (config / schema blobs can be large). */
export function JsonView({ value, title, defaultOpen = false, testId }: { value: unknown; title: string; defaultOpen?: boolean; testId?: string }) {
  const [open, setOpen] = useState(defaultOpen);
  const text = value === undefined ? 'undefined' : JSON.stringify(value, null, 2);
  const lines = text.split('\n').length;
  return (
    <div className={`json-view${open ? ' open' : ''}`} data-testid={testId}>
      <div className="json-view-head">
        <button type="button" className="json-toggle" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
          <span className="caret">{open ? '▾' : '▸'}</span> {title}
          <span className="muted"> · {value === null ? 'null' : `${lines} lines`}</span>
        </button>
        <CopyButton text={text} />
      </div>
      {open && <pre className="code-block">{text}</pre>}
    </div>
  );
}
