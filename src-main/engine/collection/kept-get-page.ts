import type { GetSpec } from '../query/validate-args.js';
import type { GetOutcome, MatchedRecord } from '../query/run-get.js';
import { filterKey } from './kept-allowed-labels.js';

/**
 * The page of a get read ahead of it in slices (run-get.ts getPageSteps), kept for the get with
 * the same filters, offset, limit and contents, which takes it once. One page at a time: a get
 * reads ahead just before it runs, and the page may be large (every record the get returns).
 */
export class KeptGetPage {
  private kept: { key: string; records: MatchedRecord[] } | null = null;

  keep(spec: GetSpec, withContents: boolean, records: MatchedRecord[]): void {
    this.kept = { key: pageKey(spec, withContents), records };
  }

  /** The page kept for this get (then no longer kept), or null. */
  take(spec: GetSpec, withContents: boolean): GetOutcome | null {
    if (this.kept === null || this.kept.key !== pageKey(spec, withContents)) return null;
    const { records } = this.kept;
    this.kept = null;
    return { records };
  }

  clear(): void {
    this.kept = null;
  }
}

function pageKey(spec: GetSpec, withContents: boolean): string {
  return `${filterKey(spec)}|${spec.offset}|${spec.limit}|${withContents}`;
}
