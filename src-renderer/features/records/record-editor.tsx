import { useState, type KeyboardEvent } from 'react';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { toInspectorError } from '../../client/async-state.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import type { InspectorError } from '../../../shared/errors.js';
import type { RecordRow } from '../../../shared/models.js';

interface Props {
  record: RecordRow;
  collectionId: string;
  onSaved(row: RecordRow): void;
  onDeleted(): void;
}

/** The metadata as the engine typed it (`2.0` keeps its point), else plain JSON. */
export const initialMetadataText = (r: RecordRow): string => r.metadataJson ?? JSON.stringify(r.metadata ?? {}, null, 2);

/** Why the text is not a JSON object (null when it is, or when it is blank: no metadata). */
export function metadataTextProblem(text: string): string | null {
  if (text.trim() === '') return null;
  try {
    const v: unknown = JSON.parse(text);
    if (v === null) return null;
    return typeof v === 'object' && !Array.isArray(v) ? null : 'metadata must be a JSON object';
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Edits a record in place (writes enabled): the document as text, the metadata as JSON that keeps
 * Chroma's types (`2.0` stays a float), Save through `updateRecord`, Delete (asked first) through
 * `deleteRecords`. Errors from the engine show inline; the grid refreshes after each write.
 */
export function RecordEditor({ record, collectionId, onSaved, onDeleted }: Props) {
  const client = useClient();
  const ws = useOpenFolder();
  const initialDoc = record.document ?? '';
  const initialMeta = initialMetadataText(record);
  const [doc, setDoc] = useState(initialDoc);
  const [meta, setMeta] = useState(initialMeta);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<InspectorError | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const docDirty = doc !== initialDoc;
  const metaDirty = meta !== initialMeta;
  const problem = metaDirty ? metadataTextProblem(meta) : null;
  const dirty = docDirty || metaDirty;

  const save = async () => {
    if (!dirty || problem || busy) return;
    setBusy(true);
    setError(null);
    try {
      const row = await client.call('updateRecord', {
        handle: ws.handle,
        collectionId,
        id: record.id,
        ...(docDirty ? { document: doc } : {}),
        ...(metaDirty ? { metadataJson: meta } : {}),
      });
      setBusy(false);
      ws.afterWrite();
      onSaved(row);
    } catch (err) {
      setError(toInspectorError(err));
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await client.call('deleteRecords', { handle: ws.handle, collectionId, ids: [record.id] });
      setConfirmDelete(false);
      ws.afterWrite();
      onDeleted();
    } catch (err) {
      setConfirmDelete(false);
      setError(toInspectorError(err));
      setBusy(false);
    }
  };

  const keys = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      void save();
    } else if (e.key === 'Escape' && dirty) {
      // Escape leaves the field instead of closing the panel over unsaved edits.
      e.preventDefault();
      e.currentTarget.blur();
    }
  };

  return (
    <div className="record-editor" data-testid="detail-editor">
      <h4>
        Document {docDirty && <span className="edit-mark">edited</span>}
      </h4>
      <textarea
        className="code-input doc-input"
        value={doc}
        onChange={(e) => setDoc(e.target.value)}
        onKeyDown={keys}
        placeholder={record.document === null ? 'No document' : 'Empty string'}
        rows={Math.min(14, Math.max(4, Math.ceil(doc.length / 48) + doc.split('\n').length))}
        spellCheck={false}
        disabled={busy}
        aria-label="Document"
        data-testid="detail-edit-document"
      />
      <h4>
        Metadata <span className="muted small">JSON · replaces the whole metadata · 2.0 stays a float</span>{' '}
        {metaDirty && <span className="edit-mark">edited</span>}
      </h4>
      <textarea
        className={`code-input${problem ? ' invalid' : ''}`}
        value={meta}
        onChange={(e) => setMeta(e.target.value)}
        onKeyDown={keys}
        rows={Math.min(16, Math.max(3, meta.split('\n').length))}
        spellCheck={false}
        disabled={busy}
        aria-label="Metadata (JSON)"
        data-testid="detail-edit-metadata"
      />
      {problem && (
        <div className="json-note sev-error" data-testid="detail-metadata-note">
          Invalid JSON: {problem}
        </div>
      )}
      {error && (
        <div className="inline-error" role="alert" data-testid="detail-write-error" data-code={error.code}>
          <code className="error-code">{error.code}</code> {error.message}
        </div>
      )}
      <div className="editor-actions">
        <button type="button" className="btn btn-primary btn-sm" onClick={() => void save()} disabled={!dirty || !!problem || busy} data-testid="detail-save" title="Save (Ctrl+Enter)">
          {busy && !confirmDelete ? 'Saving…' : 'Save'}
        </button>
        <button
          type="button"
          className="btn btn-sm"
          onClick={() => {
            setDoc(initialDoc);
            setMeta(initialMeta);
            setError(null);
          }}
          disabled={!dirty || busy}
          data-testid="detail-revert"
        >
          Revert
        </button>
        <span className="spacer" />
        <button type="button" className="btn btn-sm btn-danger-ghost" onClick={() => setConfirmDelete(true)} disabled={busy} data-testid="detail-delete">
          Delete record…
        </button>
      </div>
      {confirmDelete && (
        <ConfirmDialog
          title="Delete this record?"
          confirmLabel={busy ? 'Deleting…' : 'Delete'}
          danger
          busy={busy}
          onConfirm={() => void remove()}
          onCancel={() => setConfirmDelete(false)}
          testId="detail-delete-confirm"
        >
          <p>
            Record <code className="break">{record.id}</code> is deleted from <code>{ws.collection?.name}</code> on disk. This cannot be undone here.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
