import type { FetchPage } from './grid-types.js';

type Page<T> = { state: 'loaded'; rows: T[]; used: number } | { state: 'loading'; controller: AbortController };

export interface PageCacheOptions {
  pageSize?: number;
  /** Loaded pages kept; the least recently used go first. */
  maxPages?: number;
  /** Extra pages fetched around the visible ones. */
  prefetch?: number;
}

/**
 * The grid's window onto a huge result: fixed-size pages fetched on demand, kept in an LRU, and
 * in-flight requests for pages that scrolled out of view aborted. Framework-free so it is tested
 * on its own; the React hook only turns `onChange` into re-renders.
 */
export class PageCache<T> {
  readonly pageSize: number;
  private readonly maxPages: number;
  private readonly prefetch: number;
  private readonly pages = new Map<number, Page<T>>();
  /** Rows from before `invalidate()`, shown until their page is fetched again (no flash of empty rows). */
  private readonly stale = new Map<number, T[]>();
  private clock = 0;
  private disposed = false;
  total: number | null = null;
  totalExact = true;
  error: unknown = null;

  constructor(
    private readonly fetchPage: FetchPage<T>,
    private readonly onChange: () => void,
    options: PageCacheOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 200;
    this.maxPages = options.maxPages ?? 60;
    this.prefetch = options.prefetch ?? 0;
  }

  /** The row at `index`, or undefined while its page is not loaded. */
  get(index: number): T | undefined {
    const p = Math.floor(index / this.pageSize);
    const page = this.pages.get(p);
    if (!page || page.state !== 'loaded') return this.stale.get(p)?.[index % this.pageSize];
    page.used = ++this.clock;
    return page.rows[index % this.pageSize];
  }

  /**
   * The data changed underneath (a write): every page is fetched again on the next `ensure`,
   * while the rows already shown stay visible until their fresh page lands. The total and the
   * scroll position are kept.
   */
  invalidate(): void {
    if (this.disposed) return;
    for (const [index, page] of this.pages) {
      if (page.state === 'loading') page.controller.abort();
      else this.stale.set(index, page.rows);
    }
    this.pages.clear();
    this.onChange();
  }

  get loading(): boolean {
    for (const p of this.pages.values()) if (p.state === 'loading') return true;
    return false;
  }

  /** Pages needed for rows [first, last], inclusive, clamped to the known total. */
  pagesFor(first: number, last: number): number[] {
    const lastRow = this.total === null ? Math.max(first, 0) : Math.min(last, this.total - 1);
    if (lastRow < 0 || last < first) return this.total === null ? [0] : [];
    const from = Math.max(0, Math.floor(Math.max(first, 0) / this.pageSize) - this.prefetch);
    let to = Math.floor(lastRow / this.pageSize) + this.prefetch;
    if (this.total !== null) to = Math.min(to, Math.max(0, Math.ceil(this.total / this.pageSize) - 1));
    const out: number[] = [];
    for (let p = from; p <= to; p++) out.push(p);
    return out;
  }

  /** Makes sure rows [first, last] are loaded or loading; aborts loads nobody needs any more. */
  ensure(first: number, last: number): void {
    if (this.disposed) return;
    const wanted = new Set(this.pagesFor(first, last));
    for (const [index, page] of this.pages) {
      if (page.state === 'loading' && !wanted.has(index)) {
        page.controller.abort();
        this.pages.delete(index);
      }
    }
    for (const index of wanted) if (!this.pages.has(index)) this.load(index);
  }

  /** Re-opens after `dispose()` (React's StrictMode unmounts and remounts effects). */
  open(): void {
    this.disposed = false;
  }

  /** Stops everything; later answers are ignored. */
  dispose(): void {
    this.disposed = true;
    for (const page of this.pages.values()) if (page.state === 'loading') page.controller.abort();
    this.pages.clear();
    this.stale.clear();
  }

  private load(index: number): void {
    const controller = new AbortController();
    this.pages.set(index, { state: 'loading', controller });
    const offset = index * this.pageSize;
    this.fetchPage(offset, this.pageSize, controller.signal).then(
      (result) => {
        if (this.disposed || controller.signal.aborted || this.pages.get(index)?.state !== 'loading') return;
        this.pages.set(index, { state: 'loaded', rows: result.rows, used: ++this.clock });
        this.stale.delete(index);
        const exact = result.totalExact !== false;
        this.total = exact ? result.total : Math.max(this.total ?? 0, result.total);
        this.totalExact = exact;
        // Stale rows past a shrunken total are gone for good.
        if (this.total !== null) for (const p of this.stale.keys()) if (p * this.pageSize >= this.total) this.stale.delete(p);
        this.error = null;
        this.evict();
        this.onChange();
      },
      (err: unknown) => {
        if (this.disposed || controller.signal.aborted) return;
        this.pages.delete(index);
        this.error = err;
        this.onChange();
      },
    );
  }

  private evict(): void {
    const loaded = [...this.pages.entries()].filter(
      (e): e is [number, Extract<Page<T>, { state: 'loaded' }>] => e[1].state === 'loaded',
    );
    if (loaded.length <= this.maxPages) return;
    loaded.sort((a, b) => a[1].used - b[1].used);
    for (const [index] of loaded.slice(0, loaded.length - this.maxPages)) this.pages.delete(index);
  }
}
