import type { WalRow } from '../../../shared/models.js';
import type { GridColumn } from '../../components/virtual-grid/grid-types.js';
import { Badge, type Tone } from '../../components/badge.js';
import { MetadataInline } from '../../components/value/typed-value.js';
import { fmtComponent, formatTime, truncate } from '../../components/value/format.js';

export const opTone = (op: string): Tone =>
  op === 'ADD' ? 'ok' : op === 'DELETE' ? 'error' : op === 'UPDATE' ? 'info' : op === 'UPSERT' ? 'accent' : 'neutral';

function Applied({ yes, label }: { yes: boolean; label: string }) {
  return (
    <span className={`applied ${yes ? 'applied-yes' : 'applied-no'}`} title={`${yes ? 'Applied to' : 'Not yet applied to'} the ${label} segment`}>
      {label[0]?.toUpperCase()}
      {yes ? '✓' : '…'}
    </span>
  );
}

/** seq, time, op, collection, id, dim/norm, metadata, document, applied flags. */
export function walColumns(): GridColumn<WalRow>[] {
  return [
    { id: 'seq', header: 'seq_id', size: 90, align: 'right', cell: (r) => <span className="mono">{r.seqId}</span> },
    { id: 'time', header: 'created_at', size: 170, cell: (r) => <span className="mono muted">{formatTime(r.createdAt)}</span> },
    {
      id: 'op',
      header: 'op',
      size: 84,
      cell: (r) => (
        <span data-testid="wal-op">
          <Badge tone={opTone(r.operation)}>{r.operation}</Badge>
        </span>
      ),
    },
    { id: 'collection', header: 'collection', size: 150, cell: (r) => r.collectionName ?? <span className="muted mono">{r.collectionId ?? r.topic}</span> },
    { id: 'id', header: 'id', size: 200, cell: (r) => <span title={r.id}>{r.id}</span> },
    {
      id: 'vector',
      header: 'dim / norm',
      size: 120,
      align: 'right',
      cell: (r) => (r.dimension === null ? <span className="muted">—</span> : <span className="mono">{r.dimension}d · {r.norm === null ? '—' : fmtComponent(r.norm)}</span>),
    },
    { id: 'metadata', header: 'metadata', size: 280, cell: (r) => <MetadataInline metadata={r.metadata} deleted={r.deletedKeys} /> },
    { id: 'document', header: 'document', size: 240, cell: (r) => (r.document === null ? <span className="muted">—</span> : truncate(r.document.replace(/\s+/g, ' '), 200)) },
    {
      id: 'applied',
      header: 'applied',
      size: 84,
      cell: (r) => (
        <span className="applied-pair">
          <Applied yes={r.appliedToMetadata} label="metadata" />
          <Applied yes={r.appliedToVector} label="vector" />
        </span>
      ),
    },
    { id: 'encoding', header: 'encoding', size: 90, cell: (r) => <span className="muted">{r.encoding ?? '—'}</span> },
    { id: 'problem', header: 'problem', size: 200, cell: (r) => (r.problem ? <span className="sev-error">{r.problem}</span> : '') },
  ];
}
