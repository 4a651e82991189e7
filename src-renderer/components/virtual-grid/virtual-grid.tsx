import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { elementScroll, observeElementOffset, observeElementRect, useVirtualizer } from '@tanstack/react-virtual';
import { useTable } from '@tanstack/react-table';
import { usePagedRows } from './use-paged-rows.js';
import { offsetToReveal, rowTop, scrollGeometry, toPhysicalOffset, toVirtualOffset } from './scaled-scroll.js';
import { gridFeatures, toColumnDefs, type Slot } from './grid-columns.js';
import { GridHeader } from './grid-header.js';
import { GridStatus } from './grid-status.js';
import { ErrorState } from '../error-state.js';
import type { FetchPage, GridColumn, GridSort } from './grid-types.js';

export const ROW_HEIGHT = 26;
export const HEADER_HEIGHT = 28;

export interface VirtualGridProps<T> {
  /** `data-testid="grid-<name>"`. */
  name: string;
  columns: GridColumn<T>[];
  fetchPage: FetchPage<T>;
  /** Changing it drops the cache (new filter, sort or source) and scrolls to the top. */
  resetKey: string;
  /** Changing it re-fetches the rows in view and the total (the data changed), keeping the scroll position. */
  refreshKey?: string | number;
  sort?: GridSort | null;
  onSortChange?: (sort: GridSort | null) => void;
  /** Click, Enter, or arrow keys onto a loaded row. */
  onRowActivate?: (row: T, index: number) => void;
  onError?: (err: unknown) => void;
  toolbar?: ReactNode;
  empty?: ReactNode;
  showIndex?: boolean;
  pageSize?: number;
  rowClassName?: (row: T) => string | undefined;
}

/**
 * One grid for every big result: rows fetched a page at a time as they scroll into view, server-side
 * sort via header clicks, resizable columns, keyboard navigation, and scaled scrolling above the
 * browser's element-height cap so row 10,000,000 is as reachable as row 1.
 */
export function VirtualGrid<T>(props: VirtualGridProps<T>) {
  const { name, columns, fetchPage, resetKey, refreshKey, sort, onSortChange, onRowActivate, onError, showIndex = true } = props;
  const [nonce, setNonce] = useState(0);
  const { cache, version, request } = usePagedRows(fetchPage, `${resetKey}#${nonce}`, props.pageSize ?? 200);
  const total = cache.total ?? 0;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState(400);
  const geometry = scrollGeometry(total, ROW_HEIGHT, viewport);
  const geoRef = useRef(geometry);
  geoRef.current = geometry;
  const physical = useRef(0);
  const [selected, setSelected] = useState<number | null>(null);
  const pendingActivation = useRef<number | null>(null);

  const virtualizer = useVirtualizer<HTMLDivElement, HTMLDivElement>({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    observeElementRect: (inst, cb) =>
      observeElementRect(inst, (rect) => {
        const h = Math.max(0, rect.height - HEADER_HEIGHT);
        setViewport(h);
        cb({ width: rect.width, height: h });
      }),
    observeElementOffset: (inst, cb) =>
      observeElementOffset(inst, (offset, scrolling) => {
        physical.current = offset;
        cb(toVirtualOffset(offset, geoRef.current), scrolling);
      }),
    scrollToFn: (offset, options, inst) => elementScroll(toPhysicalOffset(offset, geoRef.current), options, inst),
  });

  // New source: back to the top, nothing selected.
  useEffect(() => {
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
    physical.current = 0;
    pendingActivation.current = null;
    setSelected(null);
  }, [cache]);

  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => request(first, last), [cache, first, last, total]); // eslint-disable-line react-hooks/exhaustive-deps

  // The data changed: fetch what is in view again, in place.
  const refreshed = useRef(refreshKey);
  useEffect(() => {
    if (refreshed.current === refreshKey) return;
    refreshed.current = refreshKey;
    cache.invalidate();
    request(first, last);
  }, [refreshKey]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (cache.error) onError?.(cache.error);
  }, [cache.error, version]); // eslint-disable-line react-hooks/exhaustive-deps

  const defs = useMemo(() => toColumnDefs(columns, showIndex, total), [columns, showIndex, total]);
  const data: Slot<T>[] = items.map((item) => ({ index: item.index, row: cache.get(item.index) }));
  const table = useTable({ features: gridFeatures, columns: defs, data, getRowId: (s) => String(s.index), columnResizeMode: 'onChange' });
  const width = table.getTotalSize();

  /** Keyboard moves scroll by our own mapping: the virtualizer clamps to the physical height. */
  const scrollIntoView = (index: number) => {
    const el = scrollRef.current;
    if (!el) return;
    const target = offsetToReveal(index, ROW_HEIGHT, virtualizer.scrollOffset ?? 0, viewport);
    if (target !== null) el.scrollTop = toPhysicalOffset(target, geoRef.current);
  };
  const activate = (index: number, scroll: boolean) => {
    if (total === 0) return;
    const i = Math.min(Math.max(index, 0), total - 1);
    setSelected(i);
    if (scroll) scrollIntoView(i);
    const row = cache.get(i);
    pendingActivation.current = row === undefined ? i : null;
    if (row !== undefined) onRowActivate?.(row, i);
  };
  // A row activated before its page arrived opens once it lands.
  useEffect(() => {
    const i = pendingActivation.current;
    if (i === null) return;
    const row = cache.get(i);
    if (row !== undefined) {
      pendingActivation.current = null;
      onRowActivate?.(row, i);
    }
  }, [version]); // eslint-disable-line react-hooks/exhaustive-deps
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const page = Math.max(1, Math.floor(viewport / ROW_HEIGHT) - 1);
    const at = selected ?? -1;
    const moves: Record<string, number> = { ArrowDown: at + 1, ArrowUp: at - 1, PageDown: at + page, PageUp: at - page, Home: 0, End: total - 1 };
    if (e.key in moves) {
      e.preventDefault();
      activate(moves[e.key] ?? 0, true);
    } else if (e.key === 'Enter' && selected !== null) {
      e.preventDefault();
      activate(selected, false);
    }
  };

  const vOffset = virtualizer.scrollOffset ?? 0;
  const rows = table.getRowModel().rows;
  return (
    <div className="vgrid" data-testid={`grid-${name}`}>
      <GridStatus
        toolbar={props.toolbar}
        total={cache.total}
        exact={cache.totalExact}
        loading={cache.loading}
        error={cache.total === null ? null : cache.error}
        failed={cache.error !== null}
        scaled={geometry.virtualHeight > geometry.physicalHeight}
        onRetry={() => setNonce((n) => n + 1)}
      />
      <div className="vgrid-scroll" ref={scrollRef} tabIndex={0} onKeyDown={onKeyDown} role="grid" aria-rowcount={total}>
        <div className="vgrid-content" style={{ width }}>
          <GridHeader table={table} columns={columns} sort={sort ?? null} onSortChange={onSortChange} height={HEADER_HEIGHT} />
          <div className="vgrid-body" style={{ height: Math.max(geometry.physicalHeight, 1) }}>
            {rows.map((row, i) => {
              const item = items[i];
              if (!item) return null;
              const slot = row.original;
              const extra = slot.row !== undefined ? props.rowClassName?.(slot.row) : undefined;
              return (
                <div
                  key={item.key}
                  role="row"
                  data-testid="grid-row"
                  data-index={slot.index}
                  aria-selected={selected === slot.index}
                  className={`vgrid-row${slot.index % 2 ? ' odd' : ''}${selected === slot.index ? ' selected' : ''}${slot.row === undefined ? ' pending' : ''}${extra ? ` ${extra}` : ''}`}
                  style={{ transform: `translateY(${rowTop(item.start, vOffset, physical.current)}px)`, height: ROW_HEIGHT }}
                  onClick={() => activate(slot.index, false)}
                >
                  {row.getAllCells().map((cell) => (
                    <div key={cell.id} role="gridcell" className={`vgrid-cell align-${alignOf(columns, cell.column.id)}`} style={{ width: cell.column.getSize() }}>
                      <table.FlexRender cell={cell} />
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
        </div>
        {cache.total === 0 && !cache.error && <div className="vgrid-empty">{props.empty ?? 'No rows'}</div>}
        {cache.total === null && !cache.error && <GridSkeleton />}
        {cache.total === null && cache.error !== null && (
          <div className="vgrid-overlay">
            <ErrorState error={cache.error} onRetry={() => setNonce((n) => n + 1)} />
          </div>
        )}
      </div>
    </div>
  );
}

function alignOf<T>(columns: GridColumn<T>[], id: string): string {
  if (id === '__index') return 'right index';
  return columns.find((c) => c.id === id)?.align ?? 'left';
}

function GridSkeleton() {
  return (
    <div className="vgrid-skeleton" aria-label="Loading rows">
      {Array.from({ length: 10 }, (_, i) => (
        <div key={i} className="vgrid-skeleton-row">
          <span className="vgrid-skel" />
        </div>
      ))}
    </div>
  );
}
