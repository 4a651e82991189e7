import type { Space } from '../../../shared/models.js';
import { forkDistance, rankedDistance, type ForkDistance } from './fork-distance.js';
import type { GraphLinks } from './graph-links.js';
import { PairHeap } from './pair-heap.js';
import { BATCH_CAPACITY, type DistanceBatch } from './simd-kernel.js';
import type { SearchHit } from './vector-index.js';

/**
 * When a level-0 walk computes every element's distance up front, streaming through the slab in
 * slot order, and reads them from that table instead of computing each at the walk's scattered
 * slots (~40 ns against ~120–145 ns a vector of 128 here):
 *
 * - `first`: fewer elements admitted than ef. The fork's stop rule needs ef results, so the walk
 *   reaches every element it can: the table is built before it starts.
 * - `midway`: at most maxM0 · ef admitted. A walk holds ef results only once it has expanded about
 *   ef · n / admitted elements, each finding about 0.7 · maxM0 unvisited neighbours while few are
 *   visited, so it reaches ~1 − e^(−0.7 · maxM0 · ef / admitted) of the graph: over half here, if
 *   the admitted elements are spread through it. Measured (maxM0 32, ef 100): 1,000 of 100k
 *   admitted, 83% visited; 2,000, 60%; 5,000, 30%; 10,000 of 1M, 20%. Gathered near the query
 *   (one document's chunks, say), they are found early and the walk can end after a small part
 *   of the graph (100k, the 150 elements nearest the query admitted: ~3 ms without a table,
 *   ~7 ms with).
 *   So the walk starts computing its distances; once it has computed SWITCH_SHARE of the
 *   graph's, if it still holds fewer than ef results and the admitted elements it met are no
 *   more than SPREAD times their share of the graph, it builds the table and goes on from where
 *   it was.
 * - `never`: more admitted.
 */
export type DistanceTablePlan = 'first' | 'midway' | 'never';

export function distanceTablePlan(admitted: number, ef: number, maxM0: number): DistanceTablePlan {
  if (admitted < ef) return 'first';
  return admitted <= ef * maxM0 ? 'midway' : 'never';
}

/** The share of the graph's distances a `midway` walk computes before it builds the table. */
const SWITCH_SHARE = 1 / 32;

/** How much more often than their share of the graph a `midway` walk may have met admitted elements and still switch. */
const SPREAD = 2;

/** Below this many elements per run of consecutive slots on average, no distance table is built. */
const MIN_RUN = 64;

/** std::numeric_limits<float>::max(): the fork's lower bound while no result is held. */
export const FLT_MAX = 3.4028234663852886e38;

/**
 * Chroma's searchKnn over a persisted graph (docs/format.md §10.2, the fork's hnswalg.h), step for
 * step, so the same files and the same query give Chroma's ids in Chroma's order:
 *
 * - upper levels: greedy descent from the entry point, moving to any strictly closer neighbour,
 *   with no deleted or filter checks;
 * - level 0: best-first search with ef = max(ef_search, k). Every neighbour is visited; elements
 *   that are deleted or not allowed are expanded but never collected. Chroma always passes a filter
 *   functor (an empty allow list admits everything), which makes the stop rule "the best open
 *   candidate is worse than the worst result AND ef results are held" — so when fewer than ef
 *   allowed elements are reachable, the search is exhaustive;
 * - both queues are libstdc++ heaps ordered by distance only (PairHeap), which decides which of
 *   equal distances survive the ef and k cuts; the survivors are reported by (distance, label).
 *
 * Distances use the fork's kernel (fork-distance.ts). One deliberate difference: an element whose
 * stored vector has NaN/∞ components routes the search but is never collected (Chroma would
 * collect it with a meaningless distance). Single-threaded, so one visited array and
 * two heaps are reused across queries.
 */
export class CheckpointGraph {
  private readonly distance: ForkDistance;
  /** visited[id] === tag: seen by the current search. Bytes, so tags cycle through 1..255. */
  private readonly visited: Uint8Array;
  private tag = 0;
  private readonly top = new PairHeap();
  private readonly open = new PairHeap();

  constructor(
    readonly links: GraphLinks,
    /** The slab's storage, read at search time (elements with vectorAt ≥ 0 live there). */
    private readonly slabData: () => Float32Array,
    readonly dim: number,
    space: Space,
    /** Prepares a search: the distance from `q` to a slab slot (VectorSlab.queryDistance). */
    private readonly slabQuery: (q: Float32Array) => (slot: number) => number,
    /** Prepares a search with batched distances (VectorSlab.queryBatch), or gives null. */
    private readonly slabBatch: (q: Float32Array) => DistanceBatch | null = () => null,
  ) {
    this.distance = forkDistance(space, dim);
    // One byte per element (a quarter of a Uint32Array's cache footprint in the walk), written
    // once here: a fresh array's pages are mapped on first touch, and the first searches after a
    // load touched thousands of them (5M elements: 20–40 ms per query for the first few, instead
    // of ~2 ms). fill(0) writes every page now, as part of the load.
    this.visited = new Uint8Array(links.count);
    this.visited.fill(0);
    // A node's neighbours on any level (maxM0 ≥ maxM in every header Chroma writes; a damaged one may not).
    const maxNeighbours = Math.max(links.maxM0, links.maxM);
    this.fresh = new Int32Array(maxNeighbours);
    this.freshDistance = new Float64Array(maxNeighbours);
    this.batchRow = new Int32Array(maxNeighbours);
  }

  /** A node's unvisited neighbours, their distances, and where each sits in the batch (−1: not batched). */
  private readonly fresh: Int32Array;
  private readonly freshDistance: Float64Array;
  private readonly batchRow: Int32Array;
  private batch: DistanceBatch | null = null;

  /** Distance to a slab slot for the current search (the slab's SIMD or JavaScript kernel). */
  private slabDistance: (slot: number) => number = () => Number.NaN;

  private distanceTo(q: Float32Array, id: number): number {
    const at = this.links.vectorAt[id]!;
    return at >= 0 ? this.slabDistance(at) : this.distance(q, this.links.extra, (-at - 1) * this.dim);
  }

  /** The key an element is collected under, or null for a vector with NaN/∞ components (never ranked). */
  private rankKey(slab: Float32Array, id: number, d: number): number | null {
    if (Number.isFinite(d)) return d;
    const at = this.links.vectorAt[id]!;
    return at >= 0 ? rankedDistance(d, slab, at * this.dim, this.dim) : rankedDistance(d, this.links.extra, (-at - 1) * this.dim, this.dim);
  }

  /**
   * Up to k hits, ascending by (distance, label). `collect(id)` is the fork's "not deleted and
   * allowed by the filter" test on an internal id; `admitted`, about how many elements it admits
   * (it chooses how distances are computed, not the answer).
   */
  search(q: Float32Array, k: number, efSearch: number, collect: (id: number) => boolean, admitted = Infinity): SearchHit[] {
    const g = this.links;
    if (g.count === 0 || k <= 0) return [];
    const slab = this.slabData();
    this.slabDistance = this.slabQuery(q);
    // After slabQuery: both copy the query where the kernels read it.
    this.batch = Math.max(g.maxM0, g.maxM) <= BATCH_CAPACITY ? this.slabBatch(q) : null;
    const ef = Math.max(efSearch, k);
    const plan = distanceTablePlan(admitted, ef, g.maxM0);
    const cur = this.descend(q);
    const top = this.searchLevel0(q, slab, cur, ef, collect, plan, admitted);
    while (top.size > k) top.pop();
    const hits: SearchHit[] = [];
    while (top.size > 0) {
      hits.push({ label: g.labels[top.topId()]!, distance: top.topKey() });
      top.pop();
    }
    return hits.sort((a, b) => a.distance - b.distance || a.label - b.label);
  }

  /**
   * The upper levels: greedy descent from the entry point to the element level 0 starts from.
   * A node's neighbour distances come from one batch call, as on level 0 (they do not depend on
   * the descent's state): one crossing into WebAssembly per node instead of one per neighbour.
   */
  private descend(q: Float32Array): number {
    const g = this.links;
    const fresh = this.fresh;
    const freshDistance = this.freshDistance;
    let cur = g.entryPoint;
    let curDist = this.distanceTo(q, cur);
    const stride = g.maxM + 1;
    for (let level = g.maxLevel; level > 0; level--) {
      let changed = true;
      while (changed) {
        changed = false;
        // An element below this level has no list here (only a damaged file could route there).
        if (g.levels[cur]! < level) break;
        const at = g.upperStart[cur]! + (level - 1) * stride;
        const n = g.upper[at]!;
        for (let j = 0; j < n; j++) fresh[j] = g.upper[at + 1 + j]!;
        this.distancesOf(q, n);
        for (let j = 0; j < n; j++) {
          const d = freshDistance[j]!;
          if (d < curDist) {
            curDist = d;
            cur = fresh[j]!;
            changed = true;
          }
        }
      }
    }
    return cur;
  }

  /** How many searches read their distances from a table, from the start or midway (for tests and diagnostics). */
  tableWalks = 0;
  /** Every element's distance to the current query, by internal id (distanceTable). */
  private table: Float32Array | null = null;
  /** collect(id) for every element, for a search with a distance table. */
  private admit: Uint8Array | null = null;
  /** Whether the slab's slots follow internal ids in long runs (decided once: vectorAt is fixed). */
  private runsAreLong: boolean | null = null;

  /**
   * Every element's distance to the current query, by internal id, or null where computing them
   * all does not pay: no batch kernel, or slots that do not follow ids in long runs (a slab whose
   * slots were reassigned one by one), where the table would be built at scattered slots too.
   * A run of ids whose vectors sit in consecutive slots is one streamed kernel call.
   */
  private distanceTable(q: Float32Array): Float32Array | null {
    const batch = this.batch;
    if (!batch) return null;
    const vectorAt = this.links.vectorAt;
    const count = this.links.count;
    if (this.runsAreLong === null) {
      let runs = 0;
      for (let id = 0; id < count; id++) if (vectorAt[id]! < 0 || id === 0 || vectorAt[id - 1]! < 0 || vectorAt[id]! !== vectorAt[id - 1]! + 1) runs++;
      this.runsAreLong = runs * MIN_RUN <= count;
    }
    if (!this.runsAreLong) return null;
    const table = (this.table ??= new Float32Array(count));
    const out = batch.out;
    for (let id = 0; id < count; ) {
      const at = vectorAt[id]!;
      if (at < 0) {
        table[id] = this.distanceTo(q, id);
        id++;
        continue;
      }
      let n = 1;
      while (id + n < count && n < BATCH_CAPACITY && vectorAt[id + n] === at + n) n++;
      batch.runRange(at, n);
      table.set(n === BATCH_CAPACITY ? out : out.subarray(0, n), id);
      id += n;
    }
    return table;
  }

  /**
   * searchBaseLayerST with a filter functor present. Returns the (reused) result heap. With a
   * distance table, every distance is read from it instead of computed.
   *
   * The two loops are two functions: V8 optimises a function after a number of runs that grows
   * with its size, and a query runs its walk once (a loop optimised within a run is not reused by
   * the next). Left alone, at 100k the walk ran unoptimised for about the first 14 queries after
   * a load, at about twice the time: a load now warms it up (collection/walk-warm-up.ts).
   */
  private searchLevel0(q: Float32Array, slab: Float32Array, ep: number, ef: number, collect: (id: number) => boolean, plan: DistanceTablePlan, admitted: number): PairHeap {
    const visited = this.visited;
    if (++this.tag === 256) {
      visited.fill(0);
      this.tag = 1;
    }
    const top = this.top;
    const open = this.open;
    top.clear();
    open.clear();
    let lowerBound: number;
    const epKey = collect(ep) ? this.rankKey(slab, ep, this.distanceTo(q, ep)) : null;
    if (epKey !== null) {
      lowerBound = epKey;
      top.push(epKey, ep);
      open.push(-epKey, ep);
    } else {
      lowerBound = FLT_MAX;
      open.push(-lowerBound, ep);
    }
    visited[ep] = this.tag;
    const switchAt = plan === 'midway' ? this.links.count * SWITCH_SHARE : Infinity;
    if (plan !== 'first') {
      const resumeAt = this.walkComputing(q, slab, ef, collect, lowerBound, switchAt, (SPREAD * admitted) / this.links.count);
      if (resumeAt === null) return top;
      lowerBound = resumeAt;
    }
    const table = this.distanceTable(q);
    if (!table) {
      this.walkComputing(q, slab, ef, collect, lowerBound, Infinity, 0);
      return top;
    }
    this.tableWalks++;
    // collect's answers too, taken in id order (its reads then stream) instead of at the walk's
    // scattered ids.
    const count = this.links.count;
    const admit = (this.admit ??= new Uint8Array(count));
    for (let id = 0; id < count; id++) admit[id] = collect(id) ? 1 : 0;
    return this.walkTable(slab, ef, table, admit, lowerBound);
  }

  /**
   * The fork's level-0 loop, distances computed as the walk reaches each element. Returns null
   * when the walk is done, or, once it has computed more than `switchAt` distances without yet
   * holding ef results, and admitted elements have been no more than `spreadShare` of those it
   * reached, the lower bound to go on with from the next open candidate (it stops between two
   * nodes, so the heaps and marks are a state the fork's loop passes through).
   */
  private walkComputing(
    q: Float32Array,
    slab: Float32Array,
    ef: number,
    collect: (id: number) => boolean,
    lowerBound: number,
    switchAt: number,
    spreadShare: number,
  ): number | null {
    const { level0, maxM0 } = this.links;
    const stride0 = maxM0 + 1;
    const visited = this.visited;
    const tag = this.tag;
    const top = this.top;
    const open = this.open;
    const fresh = this.fresh;
    const freshDistance = this.freshDistance;
    let computed = 0;
    while (open.size > 0) {
      if (-open.topKey() > lowerBound && top.size === ef) break;
      const id = open.topId();
      open.pop();
      const row = id * stride0;
      const n = level0[row]!;
      // The node's unvisited neighbours in list order, marked visited as the fork does, then their
      // distances (which do not depend on the heaps), then the fork's loop over them in that order.
      let m = 0;
      for (let j = 1; j <= n; j++) {
        const cand = level0[row + j]!;
        if (visited[cand] === tag) continue;
        visited[cand] = tag;
        fresh[m++] = cand;
      }
      this.distancesOf(q, m);
      for (let k = 0; k < m; k++) {
        const cand = fresh[k]!;
        const d = freshDistance[k]!;
        if (top.size < ef || lowerBound > d) {
          open.push(-d, cand);
          if (collect(cand)) {
            const key = this.rankKey(slab, cand, d);
            if (key !== null) top.push(key, cand);
          }
          if (top.size > ef) top.pop();
          if (top.size > 0) lowerBound = top.topKey();
        }
      }
      computed += m;
      // Until it holds ef results, every element a walk reaches is a candidate and every admitted
      // one a result: top.size counts the admitted elements among the `computed`.
      if (computed > switchAt && top.size < ef && top.size <= computed * spreadShare) return lowerBound;
    }
    return null;
  }

  /** The fork's level-0 loop over a distance table, with collect's answers by id in `admit`. */
  private walkTable(slab: Float32Array, ef: number, table: Float32Array, admit: Uint8Array, lowerBound: number): PairHeap {
    const { level0, maxM0 } = this.links;
    const stride0 = maxM0 + 1;
    const visited = this.visited;
    const tag = this.tag;
    const top = this.top;
    const open = this.open;
    while (open.size > 0) {
      if (-open.topKey() > lowerBound && top.size === ef) break;
      const id = open.topId();
      open.pop();
      const row = id * stride0;
      const n = level0[row]!;
      // The neighbours in list order, in one pass: marking one after the ones before it were
      // processed changes nothing (processing reads no marks).
      for (let j = 1; j <= n; j++) {
        const cand = level0[row + j]!;
        if (visited[cand] === tag) continue;
        visited[cand] = tag;
        const d = table[cand]!;
        if (top.size < ef || lowerBound > d) {
          open.push(-d, cand);
          if (admit[cand] === 1) {
            const key = this.rankKey(slab, cand, d);
            if (key !== null) top.push(key, cand);
          }
          if (top.size > ef) top.pop();
          if (top.size > 0) lowerBound = top.topKey();
        }
      }
    }
    return top;
  }

  /** freshDistance[k] for the first m fresh neighbours: slab vectors in one batch call when there is one. */
  private distancesOf(q: Float32Array, m: number): void {
    const fresh = this.fresh;
    const out = this.freshDistance;
    const batch = this.batch;
    if (!batch) {
      for (let k = 0; k < m; k++) out[k] = this.distanceTo(q, fresh[k]!);
      return;
    }
    const vectorAt = this.links.vectorAt;
    const rowOf = this.batchRow;
    let b = 0;
    for (let k = 0; k < m; k++) {
      const at = vectorAt[fresh[k]!]!;
      if (at >= 0) {
        batch.slots[b] = at;
        rowOf[k] = b++;
      } else {
        rowOf[k] = -1;
        out[k] = this.distanceTo(q, fresh[k]!);
      }
    }
    batch.run(b);
    for (let k = 0; k < m; k++) if (rowOf[k]! >= 0) out[k] = batch.out[rowOf[k]!]!;
  }
}
