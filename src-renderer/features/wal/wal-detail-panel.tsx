import type { ReactNode } from 'react';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useAsync } from '../../client/use-async.js';
import { AsyncView } from '../../components/async-view.js';
import { Badge } from '../../components/badge.js';
import { KeyValues } from '../../components/section.js';
import { SidePanel } from '../../components/side-panel.js';
import { MetadataTable } from '../../components/value/typed-value.js';
import { VectorBlock } from '../../components/value/vector-block.js';
import { formatTime } from '../../components/value/format.js';
import type { WalRow } from '../../../shared/models.js';
import { opTone } from './wal-columns.js';

/** One WAL row in full; the vector comes from `walVector`. */
export function WalDetailPanel({ row, onClose, onHistory }: { row: WalRow; onClose(): void; onHistory(id: string): void }) {
  const client = useClient();
  const ws = useOpenFolder();
  const vec = useAsync((signal) => client.call('walVector', { handle: ws.handle, seqId: row.seqId }, { signal }), [ws.handle, row.seqId]);
  return (
    <SidePanel
      title={
        <span>
          WAL <code data-testid="detail-seq">#{row.seqId}</code> <Badge tone={opTone(row.operation)}>{row.operation}</Badge>
        </span>
      }
      onClose={onClose}
    >
      <div className="detail-actions">
        <button type="button" className="btn btn-xs" onClick={() => onHistory(row.id)} data-testid="detail-wal-history">
          History of this id
        </button>
      </div>
      <KeyValues
        rows={[
          ['id', <code key="i">{row.id}</code>],
          ['created_at', formatTime(row.createdAt)],
          ['collection', row.collectionName ?? row.collectionId ?? '—'],
          ['topic', <code key="t">{row.topic}</code>],
          ['encoding', row.encoding ?? '—'],
          ['metadata segment', row.appliedToMetadata ? <Badge key="m" tone="ok">applied</Badge> : <Badge key="m" tone="warn">pending</Badge>],
          ['vector segment', row.appliedToVector ? <Badge key="v" tone="ok">applied</Badge> : <Badge key="v" tone="warn">pending</Badge>],
          ...(row.problem ? ([['problem', <span key="p" className="sev-error">{row.problem}</span>]] as [string, ReactNode][]) : []),
        ]}
      />
      <h4>Metadata</h4>
      <MetadataTable metadata={row.metadata} />
      {row.deletedKeys.length > 0 && (
        <div className="muted">
          Deletes keys: {row.deletedKeys.map((k) => <code key={k}>{k} </code>)}
        </div>
      )}
      <h4>Document</h4>
      {row.document === null ? <div className="muted">No document in this row</div> : <pre className="doc-block">{row.document}</pre>}
      {row.uri && (
        <>
          <h4>URI</h4>
          <code>{row.uri}</code>
        </>
      )}
      <h4>Vector</h4>
      <AsyncView state={vec.state} onCancel={vec.cancel} onRetry={vec.reload} loadingLabel="Decoding vector…">
        {(v) => <VectorBlock vector={v} testId="detail-embedding" />}
      </AsyncView>
    </SidePanel>
  );
}
