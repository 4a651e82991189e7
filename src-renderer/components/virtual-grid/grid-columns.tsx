import type { ReactNode } from 'react';
import { columnResizingFeature, columnSizingFeature, tableFeatures, type ColumnDef } from '@tanstack/react-table';
import type { GridColumn } from './grid-types.js';

/** What react-table sees per rendered row: the absolute index and the row, if its page is loaded. */
export interface Slot<T> {
  index: number;
  row: T | undefined;
}

export const gridFeatures = tableFeatures({ columnSizingFeature, columnResizingFeature });
export type GridFeatures = typeof gridFeatures;

export const INDEX_COLUMN_ID = '__index';

/** Our column descriptions → react-table column defs (sizing + resizing; data stays ours). */
export function toColumnDefs<T>(columns: GridColumn<T>[], showIndex: boolean, total: number): ColumnDef<GridFeatures, Slot<T>, unknown>[] {
  const defs: ColumnDef<GridFeatures, Slot<T>, unknown>[] = [];
  if (showIndex) {
    const digits = String(Math.max(total, 1)).length;
    defs.push({
      id: INDEX_COLUMN_ID,
      header: '#',
      size: Math.max(44, 14 + digits * 8),
      enableResizing: false,
      accessorFn: (s) => s.index,
      cell: (ctx) => ctx.row.original.index + 1,
    });
  }
  for (const c of columns) {
    defs.push({
      id: c.id,
      header: () => c.header,
      size: c.size ?? 160,
      minSize: c.minSize ?? 40,
      accessorFn: (s) => s.index,
      cell: (ctx): ReactNode => {
        const slot = ctx.row.original;
        return slot.row === undefined ? <span className="vgrid-skel" aria-hidden="true" /> : c.cell(slot.row, slot.index);
      },
    });
  }
  return defs;
}
