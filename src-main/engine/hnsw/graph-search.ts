import type { Space } from '../../../shared/models.js';
import { forkDistance, rankedDistance, type ForkDistance } from './fork-distance.js';
import type { GraphLinks } from './graph-links.js';
import type { PairHeap } from './pair-heap.js';
import { BATCH_CAPACITY, type DistanceBatch } from './simd-kernel.js';
import type { SearchHit } from './vector-index.js';
import { GraphReachability } from './reachable-walk.js';
import { WalkScratch } from './walk-scratch.js';
import { runSteps, type Steps } from '../util/steps.js';

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

/** Whether an exhaustive walk is answered from reachability (exhaustiveSteps); tests turn it off to walk such walks over a table. */
export const exhaustiveTuning = { fromReachability: true };

/** Below this many elements per run of consecutive slots on average, no distance table is built. */
const MIN_RUN = 64;

/** std::numeric_limits<float>::max(): the fork's lower bound while no result is held. */
export const FLT_MAX = 3.4028234663852886e38;

/** About how much of a walk a step of searchSteps does: distances computed, neighbours read from a table, table entries filled (~5–10 ms each). */
export const WALK_STEP_WORK = 65_536;

/** How a part of a level-0 walk ended: the walk is done, it switches to a distance table, or it pauses (its budget spent). */
const DONE = 0;
const SWITCH = 1;
const PAUSE = 2;

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
 * collect it with a meaningless distance). Searches run through in one piece share one walk
 * state (WalkScratch); a walk in slices (searchSteps) brings its own.
 */
export class CheckpointGraph {
  private readonly distance: ForkDistance;
  /** The walk state of searches run in one piece. */
  private readonly own: WalkScratch;

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
    this.reachability = new GraphReachability(links);
    // Its visited marks are written all over now, as part of the load (walk-scratch.ts).
    this.own = new WalkScratch(links.count);
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
    return runSteps(this.searchSteps(q, k, efSearch, collect, admitted, this.own, Infinity));
  }

  /** A walk state of its own, for walks in slices (searchSteps). */
  newScratch(): WalkScratch {
    return new WalkScratch(this.links.count);
  }

  /**
   * search as steps of about `stepWork` (WALK_STEP_WORK) each, on the walk state `scratch`: for a
   * walk ahead of its query, whose slices let other searches run between them. The same walk,
   * stopped only between two nodes (a state the fork's loop passes through), so the same hits.
   * `collect` and the graph must not change meanwhile.
   */
  *searchSteps(q: Float32Array, k: number, efSearch: number, collect: (id: number) => boolean, admitted: number, scratch: WalkScratch, stepWork = WALK_STEP_WORK): Steps<SearchHit[]> {
    const g = this.links;
    if (g.count === 0 || k <= 0) return [];
    const slab = this.prepareQuery(q);
    const ef = Math.max(efSearch, k);
    const plan = distanceTablePlan(admitted, ef, g.maxM0);
    const cur = this.descend(q);
    const top = yield* this.level0Steps(q, slab, cur, k, ef, collect, plan, admitted, scratch, stepWork);
    while (top.size > k) top.pop();
    const hits: SearchHit[] = [];
    while (top.size > 0) {
      hits.push({ label: g.labels[top.topId()]!, distance: top.topKey() });
      top.pop();
    }
    return hits.sort((a, b) => a.distance - b.distance || a.label - b.label);
  }

  /**
   * Sets the query where the distance kernels read it (the slab's and the batch's: searches in
   * between set theirs), and gives the slab's storage.
   */
  private prepareQuery(q: Float32Array): Float32Array {
    const g = this.links;
    this.slabDistance = this.slabQuery(q);
    // After slabQuery: both copy the query where the kernels read it.
    this.batch = Math.max(g.maxM0, g.maxM) <= BATCH_CAPACITY ? this.slabBatch(q) : null;
    return this.slabData();
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
  /** Whether the slab's slots follow internal ids in long runs (decided once: vectorAt is fixed). */
  private runsAreLong: boolean | null = null;

  /**
   * Every element's distance to the current query, by internal id, or null where computing them
   * all does not pay: no batch kernel, or slots that do not follow ids in long runs (a slab whose
   * slots were reassigned one by one), where the table would be built at scattered slots too.
   * A run of ids whose vectors sit in consecutive slots is one streamed kernel call.
   */
  private *distanceTableSteps(q: Float32Array, s: WalkScratch, stepWork: number): Steps<Float32Array | null> {
    if (!this.batch) return null;
    const vectorAt = this.links.vectorAt;
    const count = this.links.count;
    if (this.runsAreLong === null) {
      let runs = 0;
      for (let id = 0; id < count; id++) if (vectorAt[id]! < 0 || id === 0 || vectorAt[id - 1]! < 0 || vectorAt[id]! !== vectorAt[id - 1]! + 1) runs++;
      this.runsAreLong = runs * MIN_RUN <= count;
    }
    if (!this.runsAreLong) return null;
    const table = (s.table ??= new Float32Array(count));
    for (let from = 0; from < count; ) {
      from = this.fillTable(q, table, from, Math.min(count, from + stepWork));
      if (from < count) {
        yield;
        this.prepareQuery(q);
      }
    }
    return table;
  }

  /** Table entries from `from` until at least `to` (a run of slots is not split); gives where it stopped. */
  private fillTable(q: Float32Array, table: Float32Array, from: number, to: number): number {
    const batch = this.batch!;
    const vectorAt = this.links.vectorAt;
    const count = this.links.count;
    const out = batch.out;
    let id = from;
    while (id < to) {
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
    return id;
  }

  /**
   * searchBaseLayerST with a filter functor present, in steps of about `stepWork` (never, for a
   * search in one piece). Returns the walk's result heap. With a distance table, every distance
   * is read from it instead of computed.
   *
   * The two loops are two functions: V8 optimises a function after a number of runs that grows
   * with its size, and a query runs its walk once (a loop optimised within a run is not reused by
   * the next). Left alone, at 100k the walk ran unoptimised for about the first 14 queries after
   * a load, at about twice the time: a load now warms it up (collection/walk-warm-up.ts).
   */
  private *level0Steps(
    q: Float32Array,
    slab: Float32Array,
    ep: number,
    k: number,
    ef: number,
    collect: (id: number) => boolean,
    plan: DistanceTablePlan,
    admitted: number,
    s: WalkScratch,
    stepWork: number,
  ): Steps<PairHeap> {
    // Fewer than ef admitted (as told): an exhaustive walk, answered from reachability if it is one.
    let admitFilled = false;
    if (plan === 'first' && exhaustiveTuning.fromReachability) {
      const top = yield* this.exhaustiveSteps(q, ep, k, ef, collect, s, stepWork);
      if (top) return top;
      admitFilled = true;
      slab = this.prepareQuery(q);
    }
    s.begin();
    const { top, open } = s;
    const epKey = collect(ep) ? this.rankKey(slab, ep, this.distanceTo(q, ep)) : null;
    if (epKey !== null) {
      s.lowerBound = epKey;
      top.push(epKey, ep);
      open.push(-epKey, ep);
    } else {
      s.lowerBound = FLT_MAX;
      open.push(-FLT_MAX, ep);
    }
    s.visited[ep] = s.tag;
    const switchAt = plan === 'midway' ? this.links.count * SWITCH_SHARE : Infinity;
    if (plan !== 'first') {
      for (;;) {
        const how = this.walkComputing(q, slab, ef, collect, s, switchAt, (SPREAD * admitted) / this.links.count, stepWork);
        if (how === DONE) return top;
        if (how === SWITCH) break;
        yield;
        slab = this.prepareQuery(q);
      }
    }
    const table = yield* this.distanceTableSteps(q, s, stepWork);
    if (!table) {
      while (this.walkComputing(q, slab, ef, collect, s, Infinity, 0, stepWork) === PAUSE) {
        yield;
        slab = this.prepareQuery(q);
      }
      return top;
    }
    this.tableWalks++;
    // collect's answers too, taken in id order (its reads then stream) instead of at the walk's
    // scattered ids.
    const admit = admitFilled ? s.admit! : yield* this.admitSteps(collect, s, stepWork);
    // Rows left in data_level0.bin (level0-file.ts): a walk over a table reaches much of the graph
    // (every reachable node when fewer than ef are admitted), and a read per node would cost
    // seconds at millions of nodes. They are read in one sequential pass, for this walk only.
    const rows = yield* this.allRowsSteps(stepWork);
    while (this.walkTable(slab, ef, table, admit, s, stepWork, rows) === PAUSE) yield;
    return top;
  }

  /** collect's answers for every element in `s.admit`, taken in id order (its reads then stream) instead of at a walk's scattered ids. */
  private *admitSteps(collect: (id: number) => boolean, s: WalkScratch, stepWork: number, counted?: { admitted: number }): Steps<Uint8Array> {
    const count = this.links.count;
    const admit = (s.admit ??= new Uint8Array(count));
    let admitted = 0;
    for (let from = 0; from < count; from += stepWork) {
      const to = Math.min(count, from + stepWork);
      admitted += fillAdmit(admit, collect, from, to);
      if (to < count) yield;
    }
    if (counted) counted.admitted = admitted;
    return admit;
  }

  /** The level-0 rows: in memory, or read from data_level0.bin in one sequential pass for one walk. */
  private *allRowsSteps(stepWork: number): Steps<Uint32Array> {
    const file = this.links.level0File;
    return file ? yield* file.allRowsSteps(stepWork) : this.links.level0;
  }

  /** What this graph's exhaustive walks learn and reuse (reachable-walk.ts). */
  private readonly reachability: GraphReachability;

  /** How many exhaustive walks needed no pass: what the graph keeps covered their entry point (for tests and diagnostics). */
  get keptWalks(): number {
    return this.reachability.keptWalks;
  }

  /** How many searches were answered from reachability alone (exhaustiveSteps), and how many gave up on ties at the k cut (for tests and diagnostics). */
  reachWalks = 0;
  reachTies = 0;

  /**
   * A walk told that fewer than ef elements are admitted. Counted exactly first (the count told is
   * an estimate): if fewer than ef are, the fork's walk is exhaustive, so it collects every admitted
   * element reachable from `ep` (reachable-walk.ts), and only those get a distance. The fork's
   * result heap holds them in the order the walk found them, and with equal keys at the k cut that
   * order decides which survive: then this gives up, and the walk is walked. Otherwise the caller
   * takes the heap as the walk would leave it, up to the layout of its entries, which only ties at
   * the cut could show. Null when it gives up (s.admit then holds collect's answers).
   */
  private *exhaustiveSteps(q: Float32Array, ep: number, k: number, ef: number, collect: (id: number) => boolean, s: WalkScratch, stepWork: number): Steps<PairHeap | null> {
    const counted = { admitted: 0 };
    const admit = yield* this.admitSteps(collect, s, stepWork, counted);
    if (counted.admitted >= ef) return null;
    const reached = yield* this.reachability.reachedSteps(ep, admit, counted.admitted, s, stepWork);
    if (!reached) return null;
    const slab = this.prepareQuery(q);
    const hits: { key: number; id: number }[] = [];
    // Distances as the walk computes its neighbours' (distancesOf: the batch kernel where there is one).
    const fresh = this.fresh;
    for (let at = 0; at < reached.length; at += fresh.length) {
      const m = Math.min(fresh.length, reached.length - at);
      for (let j = 0; j < m; j++) fresh[j] = reached[at + j]!;
      this.distancesOf(q, m);
      for (let j = 0; j < m; j++) {
        const key = this.rankKey(slab, fresh[j]!, this.freshDistance[j]!);
        if (key !== null) hits.push({ key, id: fresh[j]! });
      }
    }
    hits.sort((a, b) => a.key - b.key);
    if (hits.length > k && hits[k - 1]!.key === hits[k]!.key) {
      this.reachTies++;
      return null;
    }
    s.top.clear();
    for (const { key, id } of hits) s.top.push(key, id);
    this.reachWalks++;
    return s.top;
  }

  /**
   * The fork's level-0 loop, distances computed as the walk reaches each element, from the state
   * in `s`. DONE when the walk is done; SWITCH once it has computed more than `switchAt`
   * distances without yet holding ef results, and admitted elements have been no more than
   * `spreadShare` of those it reached (it goes on from the next open candidate with a table);
   * PAUSE once it has computed `budget` distances in this call. It stops between two nodes, so
   * the heaps and marks are a state the fork's loop passes through.
   */
  private walkComputing(q: Float32Array, slab: Float32Array, ef: number, collect: (id: number) => boolean, s: WalkScratch, switchAt: number, spreadShare: number, budget: number): number {
    const file = this.links.level0File;
    if (!file) return this.walkComputingRows(q, slab, ef, collect, s, switchAt, spreadShare, budget);
    file.openStep();
    try {
      const how = this.walkComputingRows(q, slab, ef, collect, s, switchAt, spreadShare, budget);
      // The rows this step read came from the loaded file only if it still is (a persist mid-step).
      file.checkStep();
      return how;
    } finally {
      file.closeStep();
    }
  }

  private walkComputingRows(q: Float32Array, slab: Float32Array, ef: number, collect: (id: number) => boolean, s: WalkScratch, switchAt: number, spreadShare: number, budget: number): number {
    const { level0, maxM0, level0File } = this.links;
    const stride0 = maxM0 + 1;
    const { visited, tag, top, open } = s;
    const fresh = this.fresh;
    const freshDistance = this.freshDistance;
    let lowerBound = s.lowerBound;
    let computed = s.computed;
    const pauseAt = computed + budget;
    let how = DONE;
    while (open.size > 0) {
      if (-open.topKey() > lowerBound && top.size === ef) break;
      const id = open.topId();
      open.pop();
      // The node's row: in memory, or read from data_level0.bin (level0-file.ts) into a buffer of its own.
      const words = level0File ? level0File.row(id) : level0;
      const row = level0File ? 0 : id * stride0;
      const n = words[row]!;
      // The node's unvisited neighbours in list order, marked visited as the fork does, then their
      // distances (which do not depend on the heaps), then the fork's loop over them in that order.
      let m = 0;
      for (let j = 1; j <= n; j++) {
        const cand = words[row + j]!;
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
      if (computed > switchAt && top.size < ef && top.size <= computed * spreadShare) {
        how = SWITCH;
        break;
      }
      if (computed >= pauseAt && open.size > 0) {
        how = PAUSE;
        break;
      }
    }
    s.lowerBound = lowerBound;
    s.computed = computed;
    return how;
  }

  /** The fork's level-0 loop over a distance table, with collect's answers by id in `admit`; PAUSE once it has read `budget` neighbours in this call. */
  private walkTable(slab: Float32Array, ef: number, table: Float32Array, admit: Uint8Array, s: WalkScratch, budget: number, level0: Uint32Array): number {
    const { maxM0 } = this.links;
    const stride0 = maxM0 + 1;
    const { visited, tag, top, open } = s;
    let lowerBound = s.lowerBound;
    let read = 0;
    let how = DONE;
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
      read += n;
      if (read >= budget && open.size > 0) {
        how = PAUSE;
        break;
      }
    }
    s.lowerBound = lowerBound;
    return how;
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

/** collect's answers for ids from `from` to `to`, as bytes, and how many admit (a plain function: V8 optimises it apart from the generator that calls it). */
function fillAdmit(admit: Uint8Array, collect: (id: number) => boolean, from: number, to: number): number {
  let admitted = 0;
  for (let id = from; id < to; id++) admitted += admit[id] = collect(id) ? 1 : 0;
  return admitted;
}

