import type { ReactNode } from 'react';

/** One page of rows as a source returns it. `totalExact: false` means "at least `total`". */
export interface FetchResult<T> {
  rows: T[];
  total: number;
  totalExact?: boolean;
}

export type FetchPage<T> = (offset: number, limit: number, signal: AbortSignal) => Promise<FetchResult<T>>;

export interface GridColumn<T> {
  id: string;
  header: ReactNode;
  /** Tooltip for the header (full key name, type …). */
  headerTitle?: string;
  size?: number;
  minSize?: number;
  sortable?: boolean;
  align?: 'left' | 'right' | 'center';
  cell: (row: T, index: number) => ReactNode;
}

export interface GridSort {
  columnId: string;
  desc: boolean;
}

/** Header click cycles ascending → descending → unsorted. */
export function nextSort(current: GridSort | null | undefined, columnId: string): GridSort | null {
  if (!current || current.columnId !== columnId) return { columnId, desc: false };
  if (!current.desc) return { columnId, desc: true };
  return null;
}
