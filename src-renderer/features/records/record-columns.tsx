import type { MetadataKeyInfo, RecordSort } from '../../../shared/contract.js';
import type { RecordRow } from '../../../shared/models.js';
import type { GridColumn, GridSort } from '../../components/virtual-grid/grid-types.js';
import { TypedValue } from '../../components/value/typed-value.js';
import { formatVectorPreview, truncate } from '../../components/value/format.js';

export const META_PREFIX = 'meta:';

export interface RecordColumnOptions {
  keys: MetadataKeyInfo[];
  dimension: number | null;
  /** Query results: a distance column first, no server-side sorting. */
  withDistance?: boolean;
  sortable?: boolean;
  /** Why this source cannot sort (a server source): columns are not sortable and their tooltips say so. */
  unsortable?: string | null;
}

/** id, document, one column per metadata key (typed), embedding preview. */
export function recordColumns({ keys, dimension, withDistance, sortable: wanted = true, unsortable = null }: RecordColumnOptions): GridColumn<RecordRow>[] {
  const sortable = wanted && !unsortable;
  const note = wanted && unsortable ? ` · ${unsortable}` : '';
  const cols: GridColumn<RecordRow>[] = [];
  if (withDistance) {
    cols.push({
      id: 'distance',
      header: 'distance',
      size: 110,
      align: 'right',
      cell: (r) => <span className="tv tv-float">{r.distance === undefined ? '—' : r.distance.toFixed(6)}</span>,
    });
  }
  cols.push({
    id: 'id',
    header: 'id',
    size: 220,
    sortable,
    ...(note ? { headerTitle: `id${note}` } : {}),
    cell: (r) => (
      <span className="cell-id" title={r.id}>
        {r.fromWal && (
          <span className="wal-dot" title="Visible state comes from the WAL tail (not yet applied to the metadata segment)">
            WAL
          </span>
        )}
        {r.id}
      </span>
    ),
  });
  cols.push({
    id: 'document',
    header: 'document',
    size: 320,
    cell: (r) =>
      r.document === null ? <span className="tv tv-null">null</span> : <span title={truncate(r.document, 2000)}>{truncate(r.document.replace(/\s+/g, ' '), 300)}</span>,
  });
  for (const k of keys) {
    cols.push({
      id: `${META_PREFIX}${k.key}`,
      header: (
        <span className="meta-head">
          {k.key}
          <span className="meta-head-type">{k.types.join('|')}</span>
        </span>
      ),
      headerTitle: `${k.key}: ${k.types.join(' | ')} · in ${k.records.toLocaleString('en-US')} records${sortable ? ' · click to sort' : note}`,
      size: Math.min(240, Math.max(90, k.key.length * 8 + 50)),
      sortable,
      align: k.types.every((t) => t === 'int' || t === 'float') ? 'right' : 'left',
      cell: (r) => <TypedValue value={r.metadata?.[k.key]} declared={k.types} />,
    });
  }
  cols.push({
    id: 'embedding',
    header: 'embedding',
    size: 260,
    cell: (r) => <span className="mono muted">{formatVectorPreview(r.embedding, dimension)}</span>,
  });
  return cols;
}

/** Grid header sort → the `records` method's sort input (undefined = Chroma's own order). */
export function toRecordSort(sort: GridSort | null): RecordSort | undefined {
  if (!sort) return undefined;
  if (sort.columnId === 'id') return { by: 'id', desc: sort.desc };
  if (sort.columnId.startsWith(META_PREFIX)) return { by: 'metadata', key: sort.columnId.slice(META_PREFIX.length), desc: sort.desc };
  return undefined;
}
