import path from 'node:path';
import { readCheckpointSettledSteps, segmentFilesStamp, type CheckpointResult } from '../hnsw/checkpoint.js';
import { runSteps, type Steps } from '../util/steps.js';
import { FileGraph, FileGraphDamage } from '../hnsw/file-graph.js';
import { denormalize } from '../hnsw/level0-scan.js';
import { normalizeQuery } from '../hnsw/vector-math.js';
import { LENGTH_FILE, readRange } from '../hnsw/segment-files.js';
import type { SearchHit } from '../hnsw/vector-index.js';
import { OVERLAP_ROWS, checkCheckpointAgainstWal, checkSeqAhead } from './checkpoint-wal-check.js';
import { isDegradedIndex, type VectorSource } from './vector-state.js';
import { SPOT_CHECKS } from './vector-coverage.js';
import type { LoadPlan } from './prepared-load.js';
import { freshTyped } from '../util/huge-pages.js';

/** The checkpoint's files as UnloadedVectors.checkFiles read and checked them. */
export interface CheckedFiles {
  checkpoint: CheckpointResult;
  /** internal id + 1 by label, for the live elements with a sound vector. */
  elementOf: Int32Array;
  sound: number;
  rowProblem: string | null;
  links: { buf: Buffer; upperAt: Int32Array } | null;
}

/** What the collection's records say, for the coverage proof a query needs (vector-coverage.ts). */
export interface RecordFacts {
  count(): number;
  sampleRecordIds(n: number): string[];
  /** The metadata segment has no WAL tail (no record is added, changed or removed past it). */
  overlayEmpty(): boolean;
}

/**
 * A collection's checkpoint checked as VectorState.load checks it — every label, vector, row and
 * the WAL overlap — with nothing kept in memory but a label → element table. It answers a first
 * unfiltered query by walking the graph in the files (FileGraph), so opening a folder and asking
 * one question does not first copy every vector and link into fresh memory.
 *
 * It only exists when the full load would find a sound, fully covered checkpoint with no WAL tail
 * and no warnings: then both give the same answer by construction (same files, same walk). In
 * every other case open() returns null and the caller loads the vectors, which names the problem.
 */
export class UnloadedVectors {
  private constructor(
    private readonly checkpoint: CheckpointResult,
    private readonly graph: FileGraph,
    /** internal id + 1 by label (0: not a live element with a sound vector). */
    private readonly elementOf: Int32Array,
    private readonly live: number,
    private readonly space: VectorSource['space'],
    private readonly efSearch: number,
    /** The segment's folder, for length.bin (a vector's norm is read when the vector is asked for). */
    private readonly segmentDir: string,
  ) {}

  /**
   * `checked`: the checkpoint's files as checkFiles found them ahead of this call (in slices of
   * the thread: CollectionReader.checkFirstQueryFiles), used while the files are unchanged.
   */
  static open(source: VectorSource, records: RecordFacts, checked: CheckedFiles | null = null): UnloadedVectors | null {
    const segmentId = source.vectorSegmentId;
    const dim = source.dimension;
    if (!segmentId || dim === null) return null;
    const fresh = checked && checked.checkpoint.filesStamp === segmentFilesStamp(source.folderDir, segmentId);
    // The record count the coverage proof needs (a b-tree count: ~0.2 s at 5M) is kept: taken
    // while the worker scans, it costs this thread nothing later.
    const files = fresh ? checked : runSteps(UnloadedVectors.checkFiles(source, () => void records.count()));
    if (!files) return null;
    const { checkpoint, elementOf, sound, rowProblem, links } = files;
    // Nothing here edits the pickle's maps: the vector load may take it over.
    source.keepPickle?.(checkpoint.decodedPickle);
    const header = checkpoint.header;
    if (!checkpoint.usable || !header || header.dim !== dim || !checkpoint.graphUsable || rowProblem !== null || !links) return null;
    // Warnings and errors travel with a loaded collection's answers: that path reports them.
    if (checkpoint.problems.some((p) => p.severity !== 'info') || checkpoint.damagedLabels.size > 0) return null;
    const segmentDir = path.join(source.folderDir, segmentId);
    const graph = new FileGraph(segmentDir, header, source.space, links.buf, links.upperAt);
    const self = new UnloadedVectors(checkpoint, graph, elementOf, sound + checkpoint.phantomLabels.length, source.space, source.efSearch, segmentDir);
    return self.coversTheRecords(source, records, sound) ? self : null;
  }

  /** Whether files checked ahead (checkFiles) still carry the stamp they were checked under: open() takes them as they are, rather than checking again in one piece. */
  static checkedStillFresh(source: Pick<VectorSource, 'folderDir' | 'vectorSegmentId'>, checked: CheckedFiles): boolean {
    return source.vectorSegmentId !== null && checked.checkpoint.filesStamp === segmentFilesStamp(source.folderDir, source.vectorSegmentId);
  }

  /**
   * The part of open() that reads only the checkpoint's files (no SQLite): the checks of every
   * label, vector and row, as steps (util/steps.ts). Null when the collection has no vectors.
   */
  static *checkFiles(source: VectorSource, whileScanning?: () => Steps<void> | void): Steps<CheckedFiles | null> {
    const dim = source.dimension;
    const segmentId = source.vectorSegmentId;
    if (!segmentId || dim === null) return null;
    let elementOf: Int32Array = new Int32Array(0);
    let sound = 0;
    let rowProblem: string | null = null;
    let links = null as { buf: Buffer; upperAt: Int32Array } | null;
    const checkpoint = yield* readCheckpointSettledSteps(source.folderDir, segmentId, {
      space: source.space,
      pickle: source.pickle,
      // Kept for the vector load that follows a first query (keepPickle).
      keepsIdMap: true,
      whileScanning,
      sink: {
        reserve: (n) => {
          // Once per read (a settled re-read starts again).
          elementOf = freshTyped(Int32Array, Math.max(1024, n + 1));
          sound = 0;
        },
        vector: (label, _buf, _offset, _norm, internalId) => {
          if (label >= elementOf.length) elementOf = grow(elementOf, label);
          if (elementOf[label] === 0) sound++;
          elementOf[label] = internalId + 1;
        },
        linkLists: (buf, upperAt) => (links = { buf, upperAt }),
        labelsOnly: true,
        rows: (problem) => (rowProblem = problem),
      },
    });
    return { checkpoint, elementOf, sound, rowProblem, links };
  }

  /** The WAL and the records agree with the checkpoint (what a loaded collection proves before any query). */
  private coversTheRecords(source: VectorSource, records: RecordFacts, sound: number): boolean {
    const { checkpoint, graph } = this;
    const idToLabel = checkpoint.idToLabel;
    const segmentId = path.basename(this.segmentDir);
    const seq = source.maxSeqRow() ?? checkpoint.maxSeqId ?? 0;
    if (source.readOverlap) {
      const rows = source.readOverlap(seq, OVERLAP_ROWS);
      let check: ReturnType<typeof checkCheckpointAgainstWal>;
      try {
        check = graph.reading(() => checkCheckpointAgainstWal(rows, idToLabel, this, segmentId, source.collectionId));
      } catch (err) {
        // The files changed since they were checked: the load reads them again and says what it finds.
        if (err instanceof FileGraphDamage) return false;
        throw err;
      }
      if (check.problems.length > 0) return false;
      if (checkSeqAhead(seq, source.maxKnownSeq?.(seq) ?? null, segmentId, source.collectionId)) return false;
    }
    if (source.readTail(seq).length > 0) return false;
    // Chroma's degraded-index rule answers exactly: the loaded path does that.
    const total = graph.header.curElementCount;
    if (this.live === 0 || isDegradedIndex(total, this.live)) return false;
    // The proof vector-coverage.ts asks of a loaded collection before any query.
    if (!records.overlayEmpty() || sound !== idToLabel.size || records.count() !== idToLabel.size) return false;
    return records.sampleRecordIds(SPOT_CHECKS).every((id) => idToLabel.has(id));
  }

  /** Whether the segment's files still carry the stamp they were checked under (opened ahead of the query). */
  filesUnchanged(): boolean {
    return this.checkpoint.filesStamp === segmentFilesStamp(path.dirname(this.segmentDir), path.basename(this.segmentDir));
  }

  /** What the vector load after this query can take from its checks (prepared-load.ts). */
  loadPlan(): LoadPlan {
    return { folderDir: path.dirname(this.segmentDir), segmentId: path.basename(this.segmentDir), header: this.graph.header, checkpoint: this.checkpoint, elementOf: this.elementOf };
  }

  /** Runs `fn` with data_level0.bin open once (original() of many labels), rather than once a row. */
  reading<T>(fn: () => T): T {
    return this.graph.reading(fn);
  }

  labelOf(id: string): number | undefined {
    return this.checkpoint.idToLabel.get(id);
  }

  idOf(label: number): string | undefined {
    return this.checkpoint.labelToId.get(label);
  }

  /** The vector as Chroma's get returns it (VectorSlab.original): cosine ones × their norm in float32. */
  original(label: number): Float32Array | undefined {
    const at = label < this.elementOf.length ? this.elementOf[label]! - 1 : -1;
    if (at < 0) return undefined;
    const stored = Float32Array.from(this.graph.row(at).vector);
    if (this.space !== 'cosine') return stored;
    // Its norm alone (a few vectors are asked for, of millions); readCheckpoint already checked
    // length.bin covers every element.
    const norm = readRange(path.join(this.segmentDir, LENGTH_FILE), at * 4, 4);
    if (norm.length < 4) throw new FileGraphDamage(`${LENGTH_FILE} ends before element ${at}'s norm`);
    return denormalize(stored, norm.readFloatLE(0));
  }

  /** The searches of one query are done: the memory their rows were read into goes (FileGraph.releaseSearchSpace). */
  searched(): void {
    this.graph.releaseSearchSpace();
  }

  /**
   * VectorState.search for an unfiltered query: the checkpoint graph with ef = max(ef_search, k),
   * collecting live elements the pickle maps. Null if the files turn out not to be walkable (they
   * changed since the check): the caller loads the vectors instead.
   */
  search(query: Float32Array, k: number): SearchHit[] | null {
    const q = this.space === 'cosine' ? normalizeQuery(query) : query;
    const labelToId = this.checkpoint.labelToId;
    try {
      const hits = this.graph.reading(() => this.graph.search(q, k, this.efSearch, (row) => !row.deleted && labelToId.has(row.label)));
      const limit = Math.min(k, this.live);
      return hits.length > limit ? hits.slice(0, limit) : hits;
    } catch (err) {
      if (err instanceof FileGraphDamage) return null;
      throw err;
    }
  }
}

function grow(table: Int32Array, label: number): Int32Array {
  const out = new Int32Array(Math.max(label + 1, table.length * 2));
  out.set(table);
  return out;
}

