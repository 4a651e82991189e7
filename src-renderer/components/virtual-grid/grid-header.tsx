import type { ReactTable } from '@tanstack/react-table';
import { INDEX_COLUMN_ID, type GridFeatures, type Slot } from './grid-columns.js';
import { nextSort, type GridColumn, type GridSort } from './grid-types.js';

interface Props<T> {
  table: ReactTable<GridFeatures, Slot<T>, unknown>;
  columns: GridColumn<T>[];
  sort: GridSort | null;
  onSortChange: ((sort: GridSort | null) => void) | undefined;
  height: number;
}

/** Sticky header: click a sortable column to sort (server-side), drag the right edge to resize. */
export function GridHeader<T>({ table, columns, sort, onSortChange, height }: Props<T>) {
  const byId = new Map(columns.map((c) => [c.id, c]));
  return (
    <div className="vgrid-head" role="row" style={{ height }}>
      {table.getHeaderGroups()[0]?.headers.map((header) => {
        const col = byId.get(header.column.id);
        const sortable = Boolean(col?.sortable && onSortChange);
        const active = sort?.columnId === header.column.id ? sort : null;
        return (
          <div
            key={header.id}
            role="columnheader"
            data-testid={`grid-header-${header.column.id}`}
            aria-sort={active ? (active.desc ? 'descending' : 'ascending') : 'none'}
            className={`vgrid-hcell${sortable ? ' sortable' : ''}${active ? ' sorted' : ''}${header.column.id === INDEX_COLUMN_ID ? ' index' : ''}`}
            style={{ width: header.getSize() }}
            title={col?.headerTitle ?? (sortable ? 'Click to sort' : undefined)}
            onClick={sortable ? () => onSortChange?.(nextSort(sort, header.column.id)) : undefined}
          >
            <span className="vgrid-hlabel">
              <table.FlexRender header={header} />
            </span>
            {active && <span className="vgrid-sort">{active.desc ? '▼' : '▲'}</span>}
            {header.column.getCanResize() && (
              <span
                className={`vgrid-resizer${header.column.getIsResizing() ? ' active' : ''}`}
                onMouseDown={header.getResizeHandler()}
                onTouchStart={header.getResizeHandler()}
                onClick={(e) => e.stopPropagation()}
                onDoubleClick={() => header.column.resetSize()}
              />
            )}
          </div>
        );
      })}
    </div>
  );
}
