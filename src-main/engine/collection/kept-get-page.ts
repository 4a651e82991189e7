import type { GetSpec } from '../query/validate-args.js';
import type { GetOutcome, MatchedRecord } from '../query/run-get.js';
import { filterKey } from './filter-key.js';

/** Pages kept at once: gets at once on one collection (serve's users), each with its own. */
const MAX_PAGES = 4;
/** Records kept in all; the newest page is kept whatever its size. */
const MAX_RECORDS = 250_000;
/** A page no get takes within this is let go (its get was cancelled between its work ahead and its call). */
const PAGE_IDLE_MS = 30_000;

/**
 * The pages of gets read ahead of them in slices (run-get.ts getPageSteps), each kept for the get
 * with the same filters, offset, limit and contents, which takes it once. A few at once, the
 * oldest let go first; a page may be large (every record its get returns).
 */
export class KeptGetPage {
  private readonly kept = new Map<string, { records: MatchedRecord[]; expiry: NodeJS.Timeout }>();

  /** Whether a page is kept for this get (its work ahead then reads nothing). */
  has(spec: GetSpec, withContents: boolean): boolean {
    return this.kept.has(pageKey(spec, withContents));
  }

  keep(spec: GetSpec, withContents: boolean, records: MatchedRecord[]): void {
    const key = pageKey(spec, withContents);
    this.drop(key);
    const expiry = setTimeout(() => this.drop(key), PAGE_IDLE_MS);
    expiry.unref();
    this.kept.set(key, { records, expiry });
    let total = 0;
    for (const page of this.kept.values()) total += page.records.length;
    for (const [old, page] of this.kept) {
      if (old === key || (this.kept.size <= MAX_PAGES && total <= MAX_RECORDS)) break;
      this.drop(old);
      total -= page.records.length;
    }
  }

  /** The page kept for this get (then no longer kept), or null. */
  take(spec: GetSpec, withContents: boolean): GetOutcome | null {
    const key = pageKey(spec, withContents);
    const page = this.kept.get(key);
    if (!page) return null;
    this.drop(key);
    return { records: page.records };
  }

  clear(): void {
    for (const key of [...this.kept.keys()]) this.drop(key);
  }

  private drop(key: string): void {
    const page = this.kept.get(key);
    if (!page) return;
    clearTimeout(page.expiry);
    this.kept.delete(key);
  }
}

function pageKey(spec: GetSpec, withContents: boolean): string {
  return `${filterKey(spec)}|${spec.offset}|${spec.limit}|${withContents}`;
}
