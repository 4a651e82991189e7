import { useCallback, useEffect, useMemo, useState } from 'react';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { VirtualGrid } from '../../components/virtual-grid/virtual-grid.js';
import type { FetchPage } from '../../components/virtual-grid/grid-types.js';
import type { WalRow } from '../../../shared/models.js';
import { walColumns } from './wal-columns.js';
import { WalDetailPanel } from './wal-detail-panel.js';

type Op = 'ADD' | 'UPDATE' | 'UPSERT' | 'DELETE';
const OPS: Op[] = ['ADD', 'UPDATE', 'UPSERT', 'DELETE'];

/** embeddings_queue rows, filterable by collection, operation and id (an id's history). */
export function WalView() {
  const client = useClient();
  const ws = useOpenFolder();
  const [collectionId, setCollectionId] = useState('');
  const [operation, setOperation] = useState<Op | ''>('');
  const [idText, setIdText] = useState('');
  const [id, setId] = useState('');
  const [detail, setDetail] = useState<WalRow | null>(null);

  // "WAL history" from a record, or "Show rows" from a collection.
  useEffect(() => {
    const f = ws.walFilter;
    if (!f) return;
    setCollectionId(f.collectionId ?? '');
    setIdText(f.id ?? '');
    setId(f.id ?? '');
    setOperation('');
  }, [ws.walFilter]);

  const columns = useMemo(() => walColumns(), []);
  const fetchPage: FetchPage<WalRow> = useCallback(
    async (offset, limit, signal) => {
      const w = await client.call(
        'walRows',
        { handle: ws.handle, collectionId: collectionId || undefined, operation: operation || undefined, id: id || undefined, offset, limit },
        { signal },
      );
      return { rows: w.rows, total: w.total };
    },
    [client, ws.handle, collectionId, operation, id],
  );
  const filtered = Boolean(collectionId || operation || id);

  return (
    <div className="view-fill" data-testid="wal-view">
      <div className="grid-with-panel">
        <VirtualGrid
          name="wal"
          columns={columns}
          fetchPage={fetchPage}
          resetKey={JSON.stringify([ws.handle, collectionId, operation, id])}
          onRowActivate={(row) => setDetail(row)}
          empty={filtered ? 'No WAL row matches these filters' : 'The write-ahead log is empty (everything was applied and purged)'}
          rowClassName={(r) => (r.problem ? 'row-problem' : r.operation === 'DELETE' ? 'row-delete' : undefined)}
          toolbar={
            <form
              className="toolbar-form"
              onSubmit={(e) => {
                e.preventDefault();
                setId(idText.trim());
              }}
            >
              <select className="input input-sm" value={collectionId} onChange={(e) => setCollectionId(e.target.value)} data-testid="wal-filter-collection" aria-label="Collection">
                <option value="">All collections</option>
                {ws.collections.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
              <select className="input input-sm" value={operation} onChange={(e) => setOperation(e.target.value as Op | '')} data-testid="wal-filter-op" aria-label="Operation">
                <option value="">All operations</option>
                {OPS.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
              <input
                className="input input-sm"
                placeholder="Record id (history), Enter"
                value={idText}
                onChange={(e) => setIdText(e.target.value)}
                data-testid="wal-filter-id"
                spellCheck={false}
              />
              {filtered && (
                <button
                  type="button"
                  className="btn btn-xs"
                  onClick={() => {
                    setCollectionId('');
                    setOperation('');
                    setIdText('');
                    setId('');
                  }}
                >
                  Clear
                </button>
              )}
            </form>
          }
        />
        {detail && <WalDetailPanel key={detail.seqId} row={detail} onClose={() => setDetail(null)} onHistory={(rid) => { setIdText(rid); setId(rid); }} />}
      </div>
    </div>
  );
}
