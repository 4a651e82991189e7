import { useCallback, useState } from 'react';
import { useWorkspace } from './workspace-context.js';
import { toInspectorError } from '../client/async-state.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import type { InspectorError } from '../../shared/errors.js';

/**
 * The explicit "enable writes" switch (off for every folder opened). Turning it on asks first —
 * writes change the folder on disk, and a Chroma running on it must be stopped — and shows the
 * engine's refusal (busy folder, an era it cannot write) in the dialog; off needs no question.
 */
export function WritesToggle() {
  const ws = useWorkspace();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<InspectorError | null>(null);

  const close = useCallback(() => {
    if (busy) return;
    setAsking(false);
    setError(null);
  }, [busy]);

  const enable = async (force: boolean) => {
    setBusy(true);
    setError(null);
    try {
      await ws.setWritable(true, force);
      setAsking(false);
    } catch (err) {
      setError(toInspectorError(err));
    } finally {
      setBusy(false);
    }
  };

  const disable = async () => {
    setBusy(true);
    try {
      await ws.setWritable(false);
    } catch (err) {
      setError(toInspectorError(err));
      setAsking(true);
    } finally {
      setBusy(false);
    }
  };

  // A server source is read through its API only: there is nothing to switch on.
  if (!ws.folder || ws.capabilities.writes) return null;
  return (
    <>
      <button
        type="button"
        className={`status-item writes-toggle${ws.writable ? ' on' : ''}`}
        role="switch"
        aria-checked={ws.writable}
        data-testid="writes-toggle"
        data-writable={String(ws.writable)}
        disabled={busy}
        title={ws.writable ? 'Writes are enabled: click to make the folder read-only again' : 'Enable editing and deleting records (asks first)'}
        onClick={() => (ws.writable ? void disable() : setAsking(true))}
      >
        <span className="switch-track" aria-hidden="true">
          <span className="switch-thumb" />
        </span>
        {ws.writable ? 'Writes on' : 'Enable writes'}
      </button>
      {asking && (
        <ConfirmDialog
          title="Enable writes to this folder?"
          confirmLabel={busy ? 'Enabling…' : 'Enable writes'}
          danger
          busy={busy}
          confirmDisabled={error?.code === 'READ_ONLY' || error?.code === 'UNSUPPORTED_FORMAT'}
          onConfirm={() => void enable(false)}
          onCancel={close}
          testId="writes-confirm"
          extra={
            error?.code === 'FOLDER_BUSY' ? (
              <button type="button" className="btn btn-danger-ghost" onClick={() => void enable(true)} disabled={busy} data-testid="writes-confirm-force">
                Write anyway
              </button>
            ) : undefined
          }
        >
          <p>
            Edits and deletes are written to <code className="break">{ws.folder.info.path}</code> on disk, in Chroma&apos;s own format, right away.
            They cannot be undone here: back the folder up first if you may want it back.
          </p>
          <p>
            <strong>Stop any Chroma server or program using this folder first.</strong> Chroma takes no lock, so writing beside a running Chroma
            corrupts its caches and index files.
          </p>
          {ws.folder.info.activity.likelyInUse && (
            <p className="sev-warn" data-testid="writes-confirm-activity">
              ▲ {ws.folder.info.activity.reasons.join('; ')}
            </p>
          )}
          {error && (
            <div className="inline-error" role="alert" data-testid="writes-confirm-error" data-code={error.code}>
              <code className="error-code">{error.code}</code> {error.message}
            </div>
          )}
        </ConfirmDialog>
      )}
    </>
  );
}
