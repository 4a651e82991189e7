import { PairHeap } from './pair-heap.js';

/**
 * What one level-0 walk (graph-search.ts) keeps from node to node: its visited marks, its two
 * heaps and its lower bound, and a distance table's memory when it reads one. A graph keeps one
 * for its searches, which run through in one piece and may share it; a walk run ahead of its
 * query in slices (VectorState.walkAheadSteps) keeps its own, since other searches run between
 * its slices.
 */
export class WalkScratch {
  /** visited[id] === tag: seen by the current walk. Bytes, so tags cycle through 1..255. */
  readonly visited: Uint8Array;
  tag = 0;
  readonly top = new PairHeap();
  readonly open = new PairHeap();
  /** The worst held result's key (the fork's lowerBound), carried across a pause. */
  lowerBound = 0;
  /** Distances the current walk has computed (its switch to a table counts them). */
  computed = 0;
  /** Every element's distance to the current query, by internal id (distanceTable). */
  table: Float32Array | null = null;
  /** collect(id) for every element, for a walk with a distance table or a reachability pass. */
  admit: Uint8Array | null = null;
  /** The reachability pass's stack (reachable-walk.ts), up to every element. */
  stack: Int32Array | null = null;

  constructor(count: number) {
    // One byte per element, written once here: a fresh array's pages are mapped on first touch,
    // and the first searches after a load touched thousands of them (5M elements: 20–40 ms per
    // query for the first few, instead of ~2 ms). fill(0) writes every page now.
    this.visited = new Uint8Array(count);
    this.visited.fill(0);
  }

  /** Starts a walk: a fresh tag (the marks cleared once every 255 walks), empty heaps. */
  begin(): void {
    if (++this.tag === 256) {
      this.visited.fill(0);
      this.tag = 1;
    }
    this.top.clear();
    this.open.clear();
    this.computed = 0;
  }
}
