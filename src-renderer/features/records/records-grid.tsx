import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { VirtualGrid } from '../../components/virtual-grid/virtual-grid.js';
import type { FetchPage, GridSort } from '../../components/virtual-grid/grid-types.js';
import type { RecordRow } from '../../../shared/models.js';
import { recordColumns, toRecordSort } from './record-columns.js';
import { RecordDetailPanel } from './record-detail-panel.js';
import { useMetadataKeys } from './use-metadata-keys.js';

export interface RecordsFilter {
  where?: unknown;
  whereDocument?: unknown;
  ids?: string[];
}

interface Props {
  name: string;
  filter?: RecordsFilter;
  toolbar?: ReactNode;
  onError?: (err: unknown) => void;
  empty?: ReactNode;
}

/** The records of the selected collection in the virtual grid, with the record detail panel. */
export function RecordsGrid({ name, filter, toolbar, onError, empty }: Props) {
  const client = useClient();
  const ws = useOpenFolder();
  const collection = ws.collection;
  const collectionId = collection?.id ?? '';
  const [sort, setSort] = useState<GridSort | null>(null);
  const [detail, setDetail] = useState<RecordRow | null>(null);
  const { keys: keyList, types } = useMetadataKeys(ws.handle, collectionId, ws.revision);

  const unsortable = ws.capabilities.sortRecords;
  const columns = useMemo(() => recordColumns({ keys: keyList, dimension: collection?.dimension ?? null, unsortable }), [keyList, collection?.dimension, unsortable]);
  const recordSort = toRecordSort(sort);
  const fetchPage: FetchPage<RecordRow> = useCallback(
    async (offset, limit, signal) => {
      const w = await client.call(
        'records',
        { handle: ws.handle, collectionId, where: filter?.where, whereDocument: filter?.whereDocument, ids: filter?.ids, sort: recordSort, offset, limit },
        { signal },
      );
      return { rows: w.rows, total: w.total };
    },
    [client, ws.handle, collectionId, filter, recordSort],
  );
  const resetKey = JSON.stringify([ws.handle, collectionId, filter ?? null, recordSort ?? null]);

  return (
    <div className="grid-with-panel">
      <VirtualGrid
        name={name}
        columns={columns}
        fetchPage={fetchPage}
        resetKey={resetKey}
        refreshKey={ws.revision}
        sort={unsortable ? null : sort}
        onSortChange={unsortable ? undefined : setSort}
        onRowActivate={(row) => setDetail(row)}
        onError={onError}
        toolbar={toolbar}
        empty={empty ?? 'No records'}
        rowClassName={(r) => (r.fromWal ? 'from-wal' : undefined)}
      />
      {detail && (
        <RecordDetailPanel
          key={detail.id}
          row={detail}
          types={types}
          onClose={() => setDetail(null)}
          onWalHistory={ws.capabilities.storage ? undefined : (id) => ws.dispatch({ type: 'walFilter', filter: { id, collectionId } })}
          onSimilar={(id) => ws.dispatch({ type: 'similar', id })}
          onWhyNot={ws.capabilities.exactQuery ? undefined : (id) => ws.dispatch({ type: 'whyNot', id })}
          onDeleted={() => setDetail(null)}
        />
      )}
    </div>
  );
}
