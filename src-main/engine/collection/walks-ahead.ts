import { WALK_STEP_WORK, type CheckpointGraph } from '../hnsw/graph-search.js';
import type { WalkScratch } from '../hnsw/walk-scratch.js';
import type { SearchHit } from '../hnsw/vector-index.js';
import type { Steps } from '../util/steps.js';

/** Walks kept per allowed set, the oldest let go first (the query that follows takes its own; one with more query vectors walks the rest itself). */
export const MAX_WALKS_PER_SET = 64;

/** Allowed labels marked per step before a walk ahead (a Set's iteration: ~5 ms). */
const MARKS_PER_STEP = 262_144;

/**
 * The graph walks of filtered searches, done ahead of their query in slices of the thread
 * (VectorState.walkAheadSteps) and kept for it. At five million vectors a walk that a 1% filter
 * admits computes ~400,000 distances: 60–110 ms in one piece, the longest hold left in a filtered
 * query once its filter and labels were found ahead. The walk is the one the query would run
 * (CheckpointGraph.searchSteps: the same steps, paused between two nodes), on a walk state and an
 * allowed-marks table of its own, since other searches run between its slices. A walk is kept
 * under its allowed set (the one the query takes: KeptAllowedLabels) and its query, k and ef;
 * the search that follows with them takes it once.
 */
export class WalksAhead {
  /** The walk state of walks ahead: made on the first, null while one runs. */
  private scratch: WalkScratch | null | undefined;
  private marks: Uint8Array | null = null;
  private readonly kept = new WeakMap<ReadonlySet<number>, Map<string, SearchHit[]>>();

  /**
   * Walks `graph` for `q` (the query as the graph takes it; `query` as the caller gave it names
   * the walk), admitting the elements whose labels are in `allowed`. Nothing when the walk is
   * kept already, or another walk ahead is under way (its query then walks itself). `stepWork`:
   * the walk's step size (CheckpointGraph.searchSteps; tests make it small).
   */
  *walkSteps(graph: CheckpointGraph, q: Float32Array, query: Float32Array, k: number, ef: number, allowed: ReadonlySet<number>, stepWork = WALK_STEP_WORK): Steps<void> {
    const key = walkKey(query, k, ef);
    // Nothing allowed: the query answers without a walk.
    if (allowed.size === 0 || this.kept.get(allowed)?.has(key) || this.scratch === null) return;
    const scratch = this.scratch ?? graph.newScratch();
    this.scratch = null;
    const maxLabel = graph.links.maxLabel;
    const marks = this.marks !== null && this.marks.length > maxLabel ? this.marks : new Uint8Array(maxLabel + 1);
    this.marks = null;
    try {
      let marked = 0;
      for (const label of allowed) {
        if (label <= maxLabel) marks[label] = 1;
        if (++marked % MARKS_PER_STEP === 0) yield;
      }
      const { vectorAt, labels } = graph.links;
      const hits = yield* graph.searchSteps(q, k, ef, (id) => vectorAt[id]! >= 0 && marks[labels[id]!] === 1, allowed.size, scratch, stepWork);
      this.keep(allowed, key, hits);
    } finally {
      // Stopped or done: the marks are cleared for the next walk (a memset when most would be:
      // a Set of millions takes ~100 ms to iterate), and the state is free again, without its
      // distance table (4 bytes an element), which a walk of a few admitted elements makes.
      if (allowed.size * 8 > marks.length) marks.fill(0);
      else for (const label of allowed) if (label <= maxLabel) marks[label] = 0;
      this.marks = marks;
      scratch.table = null;
      scratch.admit = null;
      this.scratch = scratch;
    }
  }

  /** The hits walked ahead for this search (then no longer kept), or null. */
  take(allowed: ReadonlySet<number>, query: Float32Array, k: number, ef: number): SearchHit[] | null {
    const walks = this.kept.get(allowed);
    if (!walks) return null;
    const key = walkKey(query, k, ef);
    const hits = walks.get(key);
    if (!hits) return null;
    walks.delete(key);
    return hits;
  }

  private keep(allowed: ReadonlySet<number>, key: string, hits: SearchHit[]): void {
    let walks = this.kept.get(allowed);
    if (!walks) this.kept.set(allowed, (walks = new Map()));
    walks.set(key, hits);
    for (const old of walks.keys()) {
      if (walks.size <= MAX_WALKS_PER_SET) break;
      walks.delete(old);
    }
  }
}

/** A walk's name: its k, its ef and its query's bytes. */
function walkKey(query: Float32Array, k: number, ef: number): string {
  return `${k}:${ef}:${Buffer.from(query.buffer, query.byteOffset, query.byteLength).toString('latin1')}`;
}
