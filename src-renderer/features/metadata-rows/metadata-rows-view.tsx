import { useCallback, useMemo, useState } from 'react';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { VirtualGrid } from '../../components/virtual-grid/virtual-grid.js';
import type { FetchPage, GridColumn } from '../../components/virtual-grid/grid-types.js';
import { TypedValue } from '../../components/value/typed-value.js';
import type { MetadataRowView } from '../../../shared/models.js';

const columns: GridColumn<MetadataRowView>[] = [
  { id: 'rowid', header: 'rowid', size: 80, align: 'right', cell: (r) => <span className="mono">{r.rowid}</span> },
  { id: 'embeddingId', header: 'embedding id', size: 220, cell: (r) => r.embeddingId },
  { id: 'key', header: 'key', size: 160, cell: (r) => <b>{r.key}</b> },
  { id: 'type', header: 'type', size: 70, cell: (r) => <span className={`type-tag type-${r.type}`}>{r.type}</span> },
  {
    id: 'value',
    header: 'value',
    size: 320,
    cell: (r) => <TypedValue value={r.value} declared={r.type === 'null' ? undefined : [r.type]} />,
  },
  { id: 'arrayIndex', header: 'array idx', size: 80, align: 'right', cell: (r) => (r.arrayIndex === null ? '' : r.arrayIndex) },
  { id: 'segmentId', header: 'segment', size: 280, cell: (r) => <span className="mono muted">{r.segmentId}</span> },
];

/** The embedding_metadata (and _array) rows as stored, one typed value per row. */
export function MetadataRowsView() {
  const client = useClient();
  const ws = useOpenFolder();
  const [collectionId, setCollectionId] = useState(ws.collection?.id ?? '');
  const [keyText, setKeyText] = useState('');
  const [key, setKey] = useState('');
  const fetchPage: FetchPage<MetadataRowView> = useCallback(
    async (offset, limit, signal) => {
      const w = await client.call('metadataRows', { handle: ws.handle, collectionId: collectionId || undefined, key: key || undefined, offset, limit }, { signal });
      return { rows: w.rows, total: w.total };
    },
    [client, ws.handle, collectionId, key],
  );
  const cols = useMemo(() => columns, []);
  return (
    <div className="view-fill" data-testid="metadata-view">
      <VirtualGrid
        name="metadata"
        columns={cols}
        fetchPage={fetchPage}
        resetKey={JSON.stringify([ws.handle, collectionId, key])}
        empty="No metadata rows"
        toolbar={
          <form
            className="toolbar-form"
            onSubmit={(e) => {
              e.preventDefault();
              setKey(keyText.trim());
            }}
          >
            <select className="input input-sm" value={collectionId} onChange={(e) => setCollectionId(e.target.value)} data-testid="metadata-filter-collection" aria-label="Collection">
              <option value="">All collections</option>
              {ws.collections.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
            <input className="input input-sm" placeholder="Key, Enter" value={keyText} onChange={(e) => setKeyText(e.target.value)} data-testid="metadata-filter-key" />
          </form>
        }
      />
    </div>
  );
}
