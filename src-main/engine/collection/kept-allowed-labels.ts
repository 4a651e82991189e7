import type { VectorState } from './vector-state.js';
import { filterKey, type FilterSpec } from './filter-key.js';

/** Filters whose allowed labels are kept at once: callers at once, each with its filter. */
const MAX_FILTERS = 4;
/** Labels kept in all (a Set of a million labels is ~30 MB). */
const MAX_LABELS = 2_000_000;

/**
 * The HNSW labels queries' filters allow (run-query.ts allowedAheadSteps), found ahead of them and
 * kept by filter for every query with that filter over the same loaded vectors: the same filter
 * asked again (another query vector, a why-not) then reads nothing. A few filters at once, the
 * oldest let go first; a reader's data change or release drops them all (its owner clears them).
 */
export class KeptAllowedLabels {
  private readonly kept = new Map<string, { vectors: VectorState; allowed: ReadonlySet<number> }>();

  /** Whether labels are kept for these filters over `vectors`. */
  has(spec: FilterSpec, vectors: VectorState | null): boolean {
    const kept = this.kept.get(filterKey(spec));
    return kept !== undefined && kept.vectors === vectors;
  }

  /** Keeps `allowed` for these filters over `vectors`; the newest stays whatever its size. */
  keep(spec: FilterSpec, vectors: VectorState, allowed: ReadonlySet<number>): void {
    const key = filterKey(spec);
    this.kept.delete(key);
    this.kept.set(key, { vectors, allowed });
    let labels = 0;
    for (const k of this.kept.values()) labels += k.allowed.size;
    for (const [old, k] of this.kept) {
      if (old === key || (this.kept.size <= MAX_FILTERS && labels <= MAX_LABELS)) break;
      this.kept.delete(old);
      labels -= k.allowed.size;
    }
  }

  /** The labels kept for these filters over `vectors` (now the most recently used), or null. */
  get(spec: FilterSpec, vectors: VectorState): ReadonlySet<number> | null {
    if (this.kept.size === 0) return null;
    const key = filterKey(spec);
    const kept = this.kept.get(key);
    if (!kept || kept.vectors !== vectors) return null;
    this.kept.delete(key);
    this.kept.set(key, kept);
    return kept.allowed;
  }

  clear(): void {
    this.kept.clear();
  }
}
