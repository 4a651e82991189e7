import { useState, type ReactNode } from 'react';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useAsync } from '../../client/use-async.js';
import { AsyncView } from '../../components/async-view.js';
import { Badge } from '../../components/badge.js';
import { CopyButton } from '../../components/copy-button.js';
import { KeyValues } from '../../components/section.js';
import { SidePanel } from '../../components/side-panel.js';
import { MetadataTable } from '../../components/value/typed-value.js';
import { VectorBlock } from '../../components/value/vector-block.js';
import type { RecordRow } from '../../../shared/models.js';
import { RecordEditor } from './record-editor.js';

interface Props {
  row: RecordRow;
  types: Record<string, string[]>;
  onClose(): void;
  /** Absent for a source without a WAL (a server): the button is not shown. */
  onWalHistory?(id: string): void;
  onSimilar(id: string): void;
  /** Asks why the record is not among a query's results; absent where that cannot be answered (a server). */
  onWhyNot?(id: string): void;
  /** The record was deleted from this panel. */
  onDeleted?(id: string): void;
}

/** A record in full: `recordDetail` brings the whole vector. With writes on, it edits and deletes. */
export function RecordDetailPanel({ row, types, onClose, onWalHistory, onSimilar, onWhyNot, onDeleted }: Props) {
  const client = useClient();
  const ws = useOpenFolder();
  const collectionId = ws.collection?.id ?? '';
  const { state, cancel, reload } = useAsync(
    (signal) => client.call('recordDetail', { handle: ws.handle, collectionId, id: row.id }, { signal }),
    [ws.handle, collectionId, row.id],
  );
  // What the last save read back: newer than what the panel loaded.
  const [saved, setSaved] = useState<RecordRow | null>(null);
  const shown = saved && state.status === 'success' ? ({ status: 'success', value: saved } as const) : state;
  return (
    <SidePanel
      title={
        <span>
          Record <code data-testid="detail-id">{row.id}</code>
        </span>
      }
      onClose={onClose}
    >
      <div className="detail-actions">
        {onWalHistory && (
          <button type="button" className="btn btn-xs" onClick={() => onWalHistory(row.id)} data-testid="detail-wal-history">
            WAL history
          </button>
        )}
        <button type="button" className="btn btn-xs" onClick={() => onSimilar(row.id)} data-testid="detail-similar">
          Find similar
        </button>
        {onWhyNot && (
          <button type="button" className="btn btn-xs" onClick={() => onWhyNot(row.id)} title="Why is this record not in a query's results?" data-testid="detail-why-not">
            Why not in my query?
          </button>
        )}
        <CopyButton text={row.id} label="Copy id" />
      </div>
      <AsyncView state={shown} onCancel={cancel} onRetry={reload} loadingLabel="Loading record…">
        {(r) => (
          <>
            <KeyValues
              rows={
                // A server's API has no internal ids or segments: only what it answered.
                ws.capabilities.storage
                  ? [['source', <Badge key="s" tone="info">server API</Badge>], ...(r.uri ? ([['uri', <code key="u">{r.uri}</code>]] as [ReactNode, ReactNode][]) : [])]
                  : [
                      ['internal id', <code key="i">{r.internalId}</code>],
                      ['source', r.fromWal ? <Badge key="s" tone="warn">WAL tail (not yet applied)</Badge> : <Badge key="s" tone="ok">metadata segment</Badge>],
                      ...(r.uri ? ([['uri', <code key="u">{r.uri}</code>]] as [ReactNode, ReactNode][]) : []),
                    ]
              }
            />
            {ws.writable ? (
              <RecordEditor
                // A fresh editor for each version of the record, so its text starts from what is stored.
                key={`${r.document ?? '\u0000'}\u0001${r.metadataJson ?? ''}`}
                record={r}
                collectionId={collectionId}
                onSaved={setSaved}
                onDeleted={() => onDeleted?.(r.id)}
              />
            ) : (
              <>
                <h4>Document</h4>
                {r.document === null ? (
                  <div className="muted">No document</div>
                ) : r.document === '' ? (
                  <div className="muted">Empty string</div>
                ) : (
                  <pre className="doc-block" data-testid="detail-document">
                    {r.document}
                  </pre>
                )}
                <h4>Metadata</h4>
                <MetadataTable metadata={r.metadata} types={types} />
              </>
            )}
            <h4>Embedding</h4>
            <VectorBlock vector={r.embedding} testId="detail-embedding" />
          </>
        )}
      </AsyncView>
    </SidePanel>
  );
}
