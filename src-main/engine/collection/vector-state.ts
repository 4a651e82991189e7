import path from 'node:path';
import type { HnswHeader, Problem, Space } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import type { WalRecord } from '../wal/decode-row.js';
import { readCheckpointSettledSteps, segmentFilesStamp, type CheckpointResult, type DecodedPickle } from '../hnsw/checkpoint.js';
import { runSteps, runStepsSliced, type SliceOptions, type Steps } from '../util/steps.js';
import { compareHits, norm32, normalizeForStorage, normalizeQuery } from '../hnsw/vector-math.js';
import { PrefaultGroup, worthPrefaulting } from '../util/prefault.js';
import type { FilledLoad, PreparedLoad } from './prepared-load.js';
import { VectorSlab } from '../hnsw/vector-slab.js';
import { CheckpointGraph } from '../hnsw/graph-search.js';
import { readGraphLinksSteps } from '../hnsw/graph-links.js';
import { Level0LinkCollector } from '../hnsw/level0-links.js';
import { forkDistance, rankedDistance, type ForkDistance } from '../hnsw/fork-distance.js';
import { readHeaderFile } from '../hnsw/segment-files.js';
import { reportLoad } from '../util/load-progress.js';
import type { SearchHit } from '../hnsw/vector-index.js';
import { WARM_UP_RESULTS, warmUpWalk } from './walk-warm-up.js';
import { WalksAhead } from './walks-ahead.js';
import { OVERLAP_ROWS, checkCheckpointAgainstWal, checkSeqAhead } from './checkpoint-wal-check.js';

/** How often a sliced load reads files that moved under it before it takes them as they are. */
const SLICED_LOAD_ATTEMPTS = 3;

/** Chroma brute-forces a degraded index: more than this share of its elements deleted… */
const DEGRADED_DELETED_SHARE = 0.2;
/** …and fewer live elements than this (rust/segment/src/local_hnsw.rs, query_embedding). */
const DEGRADED_MAX_LIVE = 100;

/** Whether Chroma answers an index of `total` elements, `live` of them live, by brute force. */
export function isDegradedIndex(total: number, live: number): boolean {
  return (total - live) / total > DEGRADED_DELETED_SHARE && live < DEGRADED_MAX_LIVE;
}

export interface VectorSource {
  space: Space;
  dimension: number | null;
  efSearch: number;
  folderDir: string;
  vectorSegmentId: string | null;
  collectionId: string;
  /** The vector segment's max_seq_id row, decoded (null when absent). */
  maxSeqRow(): number | null;
  readTail(afterSeq: number): WalRecord[];
  /** The newest `limit` rows with seq ≤ `upToSeq`, newest first, to check the checkpoint against. */
  readOverlap?(upToSeq: number, limit: number): WalRecord[];
  /** The highest seq the database has seen (WAL, records, metadata segment), or null if unknown. */
  maxKnownSeq?(enough?: number): number | null;
  /** A pickle an earlier reader decoded (used if its file is unchanged; the load edits its maps). */
  pickle?: DecodedPickle | null;
  /** Receives the pickle a reader that does not edit it decoded, for the next one. */
  keepPickle?(pickle: DecodedPickle | null): void;
}

/**
 * The vectors a fresh Chroma process would hold for a collection: the HNSW checkpoint plus the
 * WAL rows newer than it (docs/format.md §4.7, §6.8). Labels follow Chroma's rules (1-based,
 * arrival order, never reused) because query ties are broken by label.
 */
export class VectorState {
  readonly problems: Problem[] = [];
  private nextLabel: number;
  /** Labels the WAL tail added, changed or deleted after the checkpoint: never answered from its graph. */
  private readonly touched = new Set<number>();
  private graph: CheckpointGraph | null | undefined;
  /** Level-0 rows taken while loading, until the graph is built from them. */
  private collectedLinks: Level0LinkCollector | undefined;
  private tailDistance: ForkDistance | undefined;

  private constructor(
    private readonly source: VectorSource,
    readonly slab: VectorSlab,
    readonly idToLabel: Map<string, number>,
    readonly checkpoint: CheckpointResult | null,
    /** The WAL seq the checkpoint holds (V). */
    readonly checkpointSeq: number,
    tail: readonly WalRecord[],
    /** Checkpoint labels whose vector is absent or damaged (never searched or shown) until the tail rewrites them. */
    readonly damagedLabels: Set<number> = new Set(),
  ) {
    this.nextLabel = (checkpoint?.usable ? checkpoint.totalElementsAdded : 0) + 1;
    tail.forEach((row, i) => {
      this.apply(row);
      if (i % 1024 === 1023 || i === tail.length - 1) reportLoad(i + 1, tail.length, 'Replaying the WAL');
    });
  }

  /**
   * `forQuery`: the caller is about to search, so the graph's level-0 rows are taken in the same
   * pass over data_level0.bin as the vectors (a get with embeddings does not pay for them).
   */
  static load(source: VectorSource, opts: { forQuery?: boolean } = {}, prepared: PreparedLoad | null = null): VectorState {
    // `prepared`: the load done in the background after a first query from the files
    // (prepared-load.ts). Not kept by the state: what it holds beyond what the load takes is let go.
    // A background load that is not taken (or a load that fails or is cancelled) stops its helper.
    try {
      return runSteps(VectorState.loadSteps(source, opts, prepared, null))!;
    } finally {
      prepared?.release();
    }
  }

  /**
   * load, for a caller whose thread serves others meanwhile (serve, an embedded client): the files
   * are read in slices that give the thread back (util/steps.ts); the WAL's part, which must see
   * the database as the files left it, runs in one piece at the end, inside `inSnapshot`. Files
   * that moved under the read (a writer persisted meanwhile) are read again; on the last attempt
   * they are taken as the one-piece load would take them.
   */
  static async loadSliced(
    source: VectorSource,
    opts: { forQuery?: boolean },
    prepared: PreparedLoad | null,
    slice: SliceOptions,
    inSnapshot: <T>(fn: () => T) => T,
  ): Promise<VectorState> {
    try {
      for (let attempt = 1; ; attempt++) {
        const last = attempt === SLICED_LOAD_ATTEMPTS;
        // A pickle handed over is used once: a read that is thrown away may already have edited it.
        const from = attempt === 1 ? source : { ...source, pickle: null };
        const state = await runStepsSliced(VectorState.loadSteps(from, opts, attempt === 1 ? prepared : null, { inSnapshot, acceptMoved: last }), slice);
        if (state) return state;
      }
    } finally {
      prepared?.release();
    }
  }

  /**
   * The load as steps. `sliced`: the files may have changed between the steps; the state is built
   * only if they carry the stamp they were read under (null otherwise, unless `acceptMoved`).
   */
  private static *loadSteps(
    source: VectorSource,
    opts: { forQuery?: boolean },
    prepared: PreparedLoad | null,
    sliced: { inSnapshot: <T>(fn: () => T) => T; acceptMoved: boolean } | null,
  ): Steps<VectorState | null> {
    const dim = source.dimension;
    // Most of a large load is the page faults of its fresh vectors and rows: a helper thread
    // takes them from the far end while this one fills from the front (prefault.ts).
    const prefault = new PrefaultGroup();
    // A first query from the files may have had the load done in the background (prepared-load.ts).
    let filled: FilledLoad | null = null;
    if (source.vectorSegmentId && dim !== null && prepared) filled = sliced ? yield* prepared.takeFilledSteps(source.space, dim) : prepared.takeFilled(source.space, dim);
    const links = opts.forQuery ? new Level0LinkCollector((length) => prefault.rows(length, prepared?.takeRows(length))) : undefined;
    let slab = new VectorSlab(source.space, dim ?? 1);
    let checkpoint: CheckpointResult | null = null;
    if (filled) {
      slab = filled.slab;
      checkpoint = filled.checkpoint;
      links?.adopt(checkpoint.header!, filled.links);
    } else if (source.vectorSegmentId && dim !== null) {
      // Settled: a checkpoint Chroma is persisting right now is read again, not taken as damaged.
      try {
        checkpoint = yield* readCheckpointSettledSteps(source.folderDir, source.vectorSegmentId, {
          space: source.space,
          pickle: source.pickle,
          keepsIdMap: true,
          sink: {
            reserve: (n) => {
              const arena = prepared?.takeArena(source.space, n, dim) ?? null;
              slab = new VectorSlab(source.space, dim, n, { arena, shared: worthPrefaulting(n * dim * 4) });
              prefault.add(slab.sharedVectors());
            },
            vector: (label, buf, offset, norm) => slab.putFromBuffer(label, buf, offset, norm),
            chunk: links ? (buf, firstId, count, header) => links.chunk(buf, firstId, count, header) : undefined,
          },
        });
      } finally {
        prefault.stop();
      }
    }
    if (sliced && checkpoint && source.vectorSegmentId && !sliced.acceptMoved && checkpoint.filesStamp !== segmentFilesStamp(source.folderDir, source.vectorSegmentId)) return null;
    const finish = () => VectorState.fromCheckpoint(source, slab, checkpoint, filled !== null, links);
    return sliced ? sliced.inSnapshot(finish) : finish();
  }

  /** The load's second part: the read vectors checked against the WAL, and its tail replayed. */
  private static fromCheckpoint(
    source: VectorSource,
    read: VectorSlab,
    checkpoint: CheckpointResult | null,
    filled: boolean,
    links: Level0LinkCollector | undefined,
  ): VectorState {
    const dim = source.dimension;
    let slab = read;
    if (checkpoint && !filled) {
      // An unusable checkpoint is ignored entirely, as Chroma does; phantoms are never visible.
      if (!checkpoint.usable || checkpoint.header?.dim !== dim) slab = new VectorSlab(source.space, dim ?? 1);
      else for (const label of checkpoint.phantomLabels) slab.delete(label);
    }
    const usable = checkpoint?.usable === true && checkpoint.header?.dim === dim;
    const seq = usable ? (source.maxSeqRow() ?? checkpoint!.maxSeqId ?? 0) : 0;
    // Damaged vectors are never searched or shown; their records count as having none.
    const damaged = new Set(usable ? checkpoint!.damagedLabels : []);
    const checks: Problem[] = [];
    if (usable && source.readOverlap && source.vectorSegmentId) {
      const check = checkCheckpointAgainstWal(source.readOverlap(seq, OVERLAP_ROWS), checkpoint!.idToLabel, slab, source.vectorSegmentId, source.collectionId);
      checks.push(...check.problems);
      const ahead = checkSeqAhead(seq, source.maxKnownSeq?.(seq) ?? null, source.vectorSegmentId, source.collectionId);
      if (ahead) checks.push(ahead);
      const bad = check.foreign || ahead ? checkpoint!.idToLabel.values() : check.mismatched;
      for (const label of bad) damaged.add(label);
    }
    for (const label of damaged) slab.delete(label);
    const tail = source.readTail(seq);
    // The checkpoint's map becomes the live map (the tail replay edits it in place).
    const state = new VectorState(source, slab, usable ? checkpoint!.idToLabel : new Map(), checkpoint, seq, tail, damaged);
    state.problems.unshift(...checks);
    if (usable) state.collectedLinks = links;
    return state;
  }

  get size(): number {
    return this.idToLabel.size;
  }

  private labelToId: Map<number, string> | null = null;
  /** The tail replay added or removed ids, so the checkpoint's label → id lookup is stale. */
  private idsEdited = false;

  /** The user id behind a label (the state is fixed once built, so the reverse map is too). */
  idOf(label: number): string | undefined {
    if (!this.idsEdited && this.checkpoint?.usable && this.checkpoint.idToLabel === this.idToLabel) {
      return this.checkpoint.labelToId.get(label);
    }
    if (!this.labelToId) {
      this.labelToId = new Map();
      for (const [id, l] of this.idToLabel) this.labelToId.set(l, id);
    }
    return this.labelToId.get(label);
  }

  original(label: number): Float32Array | undefined {
    return this.slab.original(label);
  }

  private put(label: number, vector: Float32Array) {
    if (vector.length !== this.slab.dim) {
      this.problems.push({
        severity: 'warning',
        code: 'wal.dimension',
        message: `a WAL vector of dimension ${vector.length} for label ${label} does not match the collection's ${this.slab.dim}; ignored`,
        collectionId: this.source.collectionId,
      });
      return;
    }
    if (this.source.space === 'cosine') this.slab.put(label, normalizeForStorage(vector), norm32(vector));
    else this.slab.put(label, vector, null);
    this.touched.add(label);
    this.damagedLabels.delete(label); // the WAL's vector replaces the damaged one
  }

  private apply(row: WalRecord) {
    const known = this.idToLabel.get(row.id);
    switch (row.operation) {
      case 'ADD':
        if (known !== undefined) return;
        if (!row.vector) {
          this.problems.push({
            severity: 'warning',
            code: 'wal.add-without-vector',
            message: `WAL row ${row.seqId} adds "${row.id}" without an embedding; Chroma's backfill fails on it`,
            collectionId: this.source.collectionId,
          });
          return;
        }
        this.add(row.id, row.vector);
        return;
      case 'UPDATE':
        if (known !== undefined && row.vector) this.put(known, row.vector);
        return;
      case 'UPSERT':
        if (!row.vector) return;
        if (known === undefined) this.add(row.id, row.vector);
        else this.put(known, row.vector);
        return;
      case 'DELETE':
        if (known === undefined) return;
        this.idToLabel.delete(row.id);
        this.idsEdited = true;
        this.damagedLabels.delete(known);
        this.slab.delete(known);
        this.touched.add(known);
        return;
      default:
        return;
    }
  }

  private add(id: string, vector: Float32Array) {
    const label = this.nextLabel++;
    this.idToLabel.set(id, label);
    this.idsEdited = true;
    this.put(label, vector);
  }

  /** Searches run to get the walk optimised when the graph was loaded (walk-warm-up.ts). */
  warmUpSearches = 0;

  /** Whether the segment's files no longer carry the stamp the loaded checkpoint was read under (when it has one). */
  private filesMoved(): boolean {
    const stamp = this.checkpoint?.filesStamp;
    return !!stamp && !!this.source.vectorSegmentId && stamp !== segmentFilesStamp(this.source.folderDir, this.source.vectorSegmentId);
  }

  private changedAfterLoad(): string {
    return `${this.source.vectorSegmentId}: the HNSW checkpoint changed after it was loaded`;
  }

  /** Whether the graph was read (or found unusable): prepareGraph has nothing left to do. */
  get graphRead(): boolean {
    return this.graph !== undefined;
  }

  /**
   * Reads the checkpoint's graph now rather than in the first search, in slices (a caller that
   * loaded ahead of a query: the read and its warm-up take a while at a million elements).
   */
  prepareGraph(slice: SliceOptions = {}): Promise<void> {
    return runStepsSliced(this.graphSteps(), slice).then(() => undefined);
  }

  /**
   * The checkpoint's own graph, read on the first query (get and count never need it). Null when
   * there is no usable checkpoint, or when its files no longer match what was loaded (a running
   * Chroma persisted in between): the query is then answered exactly and the problem reported.
   */
  private checkpointGraph(): CheckpointGraph | null {
    return this.graph !== undefined ? this.graph : runSteps(this.graphSteps());
  }

  /**
   * checkpointGraph as steps (util/steps.ts). A search that comes between them reads the graph
   * itself (the same files, the same result); the links collected with the vectors are let go
   * only once a graph is built.
   */
  private *graphSteps(): Steps<CheckpointGraph | null> {
    if (this.graph !== undefined) return this.graph;
    const cp = this.checkpoint;
    const header = cp?.header;
    if (!cp?.usable || !header || !this.source.vectorSegmentId || header.dim !== this.slab.dim) return (this.graph = null);
    const segmentDir = path.join(this.source.folderDir, this.source.vectorSegmentId);
    try {
      const now = readHeaderFile(segmentDir, `${this.source.vectorSegmentId}/header.bin`);
      if (!sameGraphHeader(now, header)) {
        throw new InspectorError('CORRUPT_HNSW', this.changedAfterLoad());
      }
      // An element's slab vector serves the graph only if it is the checkpoint's own: live there
      // and untouched by the WAL tail. Deleted, phantom and tail-changed elements keep a copy of
      // their persisted vector, through which the graph still routes.
      const links = yield* readGraphLinksSteps(
        segmentDir,
        header,
        (label, deleted) => {
          if (deleted || this.touched.has(label)) return -1;
          return this.slab.slotOf(label) ?? -1;
        },
        this.collectedLinks,
        cp.filesStamp,
      );
      if (this.graph !== undefined) return this.graph;
      // Read in steps, the files may have been persisted again meanwhile: the graph would not be the loaded vectors'.
      if (this.filesMoved()) throw new InspectorError('CORRUPT_HNSW', this.changedAfterLoad());
      this.collectedLinks = undefined;
      this.graph = new CheckpointGraph(
        links,
        () => this.slab.storage(),
        this.slab.dim,
        this.source.space,
        (q) => this.slab.queryDistance(q),
        (q) => this.slab.queryBatch(q),
      );
    } catch (err) {
      if (!(err instanceof InspectorError)) throw err;
      // Files persisted again during the read look damaged to it: say what happened instead.
      this.problems.push({
        severity: 'warning',
        code: 'hnsw.graph-unavailable',
        message: `${this.filesMoved() ? this.changedAfterLoad() : err.message}; queries are answered exactly`,
        collectionId: this.source.collectionId,
      });
      return (this.graph = null);
    }
    const graph = this.graph;
    // The warm-up in a step of its own (it walks a few dozen queries).
    yield;
    this.warmUp(graph);
    return graph;
  }

  /**
   * A new graph's warm-up searches (walk-warm-up.ts), through this.search: this.graph is set, so
   * they find it as the caller's query will. A search that finds a problem in the data here would
   * find it in the caller's own query too, which reports it: the warm-up just stops, and the
   * graph stays. Anything else is a bug, and surfaces.
   */
  private warmUp(graph: CheckpointGraph): void {
    try {
      this.warmUpSearches = warmUpWalk(graph.links, this.slab.storage(), this.slab.dim, (q) => this.search(q, WARM_UP_RESULTS, null));
    } catch (err) {
      if (!(err instanceof InspectorError)) throw err;
    }
  }

  /**
   * k nearest, ascending by distance then label; `allowed` limits the candidates. Every query runs
   * Chroma's own rules over Chroma's own graph (docs/format.md §10.2), so the same folder and the
   * same call give Chroma's answer, every time:
   * - no usable checkpoint (every vector in the WAL): exact. Chroma builds that graph in parallel,
   *   non-reproducibly, and with at most ef live vectors its full-ef stop rule is exhaustive anyway;
   * - a degraded index (over 20 % of elements deleted and under 100 live): exact, as Chroma;
   * - otherwise the checkpoint graph with ef = max(ef_search, k) and the allowed set as the filter.
   *   WAL-tail vectors (added or changed after the checkpoint) are not in the persisted graph:
   *   Chroma inserts them into its in-memory graph, in parallel and non-deterministically; we
   *   search them exactly and merge by (distance, label). That differs from Chroma only where its
   *   graph would have missed one of them.
   * `exact` answers by brute force over every visible vector, to show what the index misses.
   */
  search(query: Float32Array, k: number, allowed: ReadonlySet<number> | null, opts: SearchOptions = {}): SearchHit[] {
    const q = this.source.space === 'cosine' ? normalizeQuery(query) : query;
    const graph = opts.exact ? null : this.checkpointGraph();
    if (!graph) return this.slab.search(q, k, allowed);
    const links = graph.links;
    const live = this.liveInIndex(graph);
    if (live === 0) return [];
    if (live === null) return this.slab.search(q, k, allowed);
    const vectorAt = links.vectorAt;
    const labels = links.labels;
    const ef = opts.efSearch ?? this.source.efSearch;
    let fromGraph: SearchHit[];
    try {
      fromGraph = allowed
        ? (this.walksAhead.take(allowed, query, k, ef) ??
          this.withAllowedMarks(allowed, links.maxLabel, (marks) => graph.search(q, k, ef, (id) => vectorAt[id]! >= 0 && marks[labels[id]!] === 1, allowed.size)))
        : graph.search(q, k, ef, (id) => vectorAt[id]! >= 0, live);
    } catch (err) {
      if (!this.dropMovedGraph(graph, err)) throw err;
      return this.slab.search(q, k, allowed);
    }
    const fromTail = this.searchTail(q, k, allowed);
    const hits = fromTail.length === 0 ? fromGraph : [...fromGraph, ...fromTail].sort(compareHits);
    const limit = Math.min(k, live);
    return hits.length > limit ? hits.slice(0, limit) : hits;
  }

  /**
   * The elements live in Chroma's index (its counts: phantoms are live elements there; every
   * tail label is a new element), or null when that index is degraded and searches are exact.
   */
  private liveInIndex(graph: CheckpointGraph): number | null {
    let live = this.slab.size;
    for (const label of this.checkpoint!.phantomLabels) if (!this.touched.has(label)) live++;
    const newElements = Math.max(0, this.nextLabel - 1 - Math.max(this.checkpoint!.totalElementsAdded, graph.links.maxLabel));
    return isDegradedIndex(graph.links.count + newElements, live) && live > 0 ? null : live;
  }

  /** Graph walks of filtered searches done ahead of them (walks-ahead.ts). */
  private readonly walksAhead = new WalksAhead();

  /**
   * The graph walk of search(query, k, allowed, opts), done ahead of it in steps and kept for it
   * (walks-ahead.ts): the search then only adds the WAL tail's hits. Nothing when the search
   * would not walk the graph, or the graph is not read yet (prepareGraph reads it ahead).
   * `stepWork`: the walk's step size (tests make it small).
   */
  *walkAheadSteps(query: Float32Array, k: number, allowed: ReadonlySet<number>, opts: SearchOptions = {}, stepWork?: number): Steps<void> {
    const graph = opts.exact ? null : this.graph;
    if (!graph || !this.liveInIndex(graph)) return;
    const q = this.source.space === 'cosine' ? normalizeQuery(query) : query;
    try {
      yield* this.walksAhead.walkSteps(graph, q, query, k, opts.efSearch ?? this.source.efSearch, allowed, stepWork);
    } catch (err) {
      // The query itself then answers exactly.
      if (!this.dropMovedGraph(graph, err)) throw err;
    }
  }

  /**
   * A graph that reads its level-0 rows from data_level0.bin (level0-file.ts) fails a walk once a
   * running Chroma has persisted the segment again: from then on it is not the loaded vectors'
   * graph. It is let go, the problem is reported, and searches are answered exactly, as when the
   * files are found moved while the graph is read. False for any other failure (the caller's).
   */
  private dropMovedGraph(graph: CheckpointGraph, err: unknown): boolean {
    if (!(err instanceof InspectorError) || !graph.links.level0File) return false;
    if (this.graph !== graph) return true;
    this.graph = null;
    this.problems.push({
      severity: 'warning',
      code: 'hnsw.graph-unavailable',
      message: `${this.source.vectorSegmentId}/${err.message}; queries are answered exactly`,
      collectionId: this.source.collectionId,
    });
    return true;
  }

  private allowedMarks: Uint8Array | null = null;

  /**
   * Runs `fn` with the allowed labels up to `maxLabel` marked 1 in a byte table: a filtered walk
   * tests tens of thousands of elements, and an array read is several times cheaper than a Set
   * lookup. The table is kept (fresh memory costs more than clearing the marks after).
   */
  private withAllowedMarks<T>(allowed: ReadonlySet<number>, maxLabel: number, fn: (marks: Uint8Array) => T): T {
    if (!this.allowedMarks || this.allowedMarks.length <= maxLabel) this.allowedMarks = new Uint8Array(maxLabel + 1);
    const marks = this.allowedMarks;
    for (const label of allowed) if (label <= maxLabel) marks[label] = 1;
    try {
      return fn(marks);
    } finally {
      for (const label of allowed) if (label <= maxLabel) marks[label] = 0;
    }
  }

  /** Where exact search ranks `label` among the allowed vectors (VectorSlab.rankOf), for why-not. */
  exactRank(query: Float32Array, label: number, allowed: ReadonlySet<number> | null): { distance: number; rank: number; candidates: number } | null {
    return this.slab.rankOf(this.source.space === 'cosine' ? normalizeQuery(query) : query, label, allowed);
  }

  /** Exact top-k over the live labels the WAL tail added or changed, in the fork's arithmetic. */
  private searchTail(q: Float32Array, k: number, allowed: ReadonlySet<number> | null): SearchHit[] {
    if (this.touched.size === 0) return [];
    const distance = (this.tailDistance ??= forkDistance(this.source.space, this.slab.dim));
    const data = this.slab.storage();
    const hits: SearchHit[] = [];
    for (const label of this.touched) {
      if (allowed && !allowed.has(label)) continue;
      const slot = this.slab.slotOf(label);
      if (slot === undefined) continue;
      const base = slot * this.slab.dim;
      const d = rankedDistance(distance(q, data, base), data, base, this.slab.dim);
      if (d !== null) hits.push({ label, distance: d });
    }
    hits.sort(compareHits);
    return hits.length > k ? hits.slice(0, k) : hits;
  }
}

export interface SearchOptions {
  /** Brute force over every visible vector instead of Chroma's graph search. */
  exact?: boolean;
  /** The graph search's ef instead of the collection's hnsw:search_ef (the recall lab's sweep). */
  efSearch?: number;
}

/** The header fields the graph read depends on: any change means the files were re-persisted. */
function sameGraphHeader(a: HnswHeader, b: HnswHeader): boolean {
  return (
    a.curElementCount === b.curElementCount &&
    a.maxLevel === b.maxLevel &&
    a.enterpointNode === b.enterpointNode &&
    a.sizeDataPerElement === b.sizeDataPerElement &&
    a.maxM === b.maxM &&
    a.maxM0 === b.maxM0
  );
}
