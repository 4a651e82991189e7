import type { Problem, Space } from '../../../shared/models.js';
import type { WalRecord } from '../wal/decode-row.js';
import { readCheckpoint, type CheckpointResult } from '../hnsw/checkpoint.js';
import { norm32, normalizeForStorage, normalizeQuery } from '../hnsw/vector-math.js';
import { VectorSlab } from '../hnsw/vector-slab.js';
import { HnswlibIndex } from '../hnsw/hnswlib-index.js';
import type { SearchHit } from '../hnsw/vector-index.js';

/** Below this many live vectors every query is exact; above it unfiltered queries use the HNSW graph. */
export const HNSW_MIN_ELEMENTS = 20_000;

/** Tuning knobs, changeable for tests that exercise the graph path on small fixtures. */
export const vectorTuning = { hnswMinElements: HNSW_MIN_ELEMENTS };
/** Filtered queries whose allowed set is smaller than this are answered exactly. */
export const EXACT_FILTER_MAX = 50_000;

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
}

/**
 * The vectors a fresh Chroma process would hold for a collection: the HNSW checkpoint plus the
 * WAL rows newer than it (docs/format.md §4.7, §6.8). Labels follow Chroma's rules (1-based,
 * arrival order, never reused) because query ties are broken by label.
 */
export class VectorState {
  readonly problems: Problem[] = [];
  private nextLabel: number;
  /** Labels the WAL tail changed after the checkpoint, to replay onto a loaded HNSW graph. */
  private readonly touched = new Set<number>();
  private hnswIndex: HnswlibIndex | null | undefined;

  private constructor(
    private readonly source: VectorSource,
    readonly slab: VectorSlab,
    readonly idToLabel: Map<string, number>,
    readonly checkpoint: CheckpointResult | null,
    /** The WAL seq the checkpoint holds (V). */
    readonly checkpointSeq: number,
    tail: readonly WalRecord[],
  ) {
    this.nextLabel = (checkpoint?.usable ? checkpoint.totalElementsAdded : 0) + 1;
    for (const row of tail) this.apply(row);
  }

  static load(source: VectorSource): VectorState {
    const dim = source.dimension;
    let slab = new VectorSlab(source.space, dim ?? 1);
    let checkpoint: CheckpointResult | null = null;
    if (source.vectorSegmentId && dim !== null) {
      checkpoint = readCheckpoint(source.folderDir, source.vectorSegmentId, {
        space: source.space,
        sink: {
          reserve: (n) => (slab = new VectorSlab(source.space, dim, n)),
          vector: (label, buf, offset, norm) => slab.putFromBuffer(label, buf, offset, norm),
        },
      });
      // An unusable checkpoint is ignored entirely, as Chroma does; phantoms are never visible.
      if (!checkpoint.usable || checkpoint.header?.dim !== dim) slab = new VectorSlab(source.space, dim);
      else for (const label of checkpoint.phantomLabels) slab.delete(label);
    }
    const usable = checkpoint?.usable === true && checkpoint.header?.dim === dim;
    const seq = usable ? (source.maxSeqRow() ?? checkpoint!.maxSeqId ?? 0) : 0;
    const tail = source.readTail(seq);
    // The checkpoint's map becomes the live map (the tail replay edits it in place).
    return new VectorState(source, slab, usable ? checkpoint!.idToLabel : new Map(), checkpoint, seq, tail);
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

  /** The checkpoint's HNSW graph plus the tail, for large collections; null when not worth it. */
  private hnsw(): HnswlibIndex | null {
    if (this.hnswIndex !== undefined) return this.hnswIndex;
    const cp = this.checkpoint;
    if (!cp?.usable || !this.source.vectorSegmentId || this.size < vectorTuning.hnswMinElements) return (this.hnswIndex = null);
    // Labels live in the graph as loaded: today's live labels, plus checkpoint labels the tail deleted.
    const checkpointTotal = cp.totalElementsAdded;
    const liveInGraph = new Map<string, number>();
    for (const [id, label] of this.idToLabel) if (label <= checkpointTotal && !this.touched.has(label)) liveInGraph.set(id, label);
    for (const label of this.touched) if (label <= checkpointTotal) liveInGraph.set(`#${label}`, label);
    const index = HnswlibIndex.fromCheckpoint(this.source.folderDir, this.source.vectorSegmentId, { ...cp, idToLabel: liveInGraph }, {
      space: this.source.space,
      efSearch: this.source.efSearch,
      reserve: this.touched.size,
    });
    for (const label of this.touched) {
      const vec = this.slab.original(label);
      if (vec) index.upsert(label, vec);
      else index.delete(label);
    }
    return (this.hnswIndex = index);
  }

  private searches = 0;

  /**
   * k nearest, ascending by distance then label; `allowed` limits the candidates. Large
   * collections use the HNSW graph from the second query on: the first one is answered exactly
   * from the vectors already in memory, so a cold open answers without waiting for the graph.
   */
  search(query: Float32Array, k: number, allowed: ReadonlySet<number> | null): SearchHit[] {
    if ((!allowed || allowed.size >= EXACT_FILTER_MAX) && this.searches++ > 0) {
      const index = this.hnsw();
      if (index) return index.search(query, k, allowed ? (label) => allowed.has(label) : undefined);
    }
    const q = this.source.space === 'cosine' ? normalizeQuery(query) : query;
    return this.slab.search(q, k, allowed);
  }
}
