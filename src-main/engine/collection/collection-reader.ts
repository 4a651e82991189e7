import type { CollectionInfo, HnswParams, Problem, SegmentInfo } from '../../../shared/models.js';
import type { CatalogCollection } from '../catalog/read-catalog.js';
import type { FolderContext } from './folder-context.js';
import type { WalRecord } from '../wal/decode-row.js';
import type { DecodedPickle, HeaderOnlyResult } from '../hnsw/checkpoint.js';
import { resolveHnswParams } from '../catalog/hnsw-params.js';
import { readHeaderOnly } from '../hnsw/checkpoint.js';
import { decodeSeqId, seqIdEncoding } from '../sqlite/seq-id.js';
import { countWalRows, hasWalRowsAfter, readWalBefore, readWalTail } from '../wal/read-wal.js';
import { MetadataOverlay } from './metadata-overlay.js';
import { VectorState, type SearchOptions, type VectorSource } from './vector-state.js';
import type { LoadPlan } from './prepared-load.js';
import { BackgroundLoadSlot, PREPARED_IDLE_MS } from './background-load-slot.js';
import { RecordLabels, matchIdsSteps } from './record-labels.js';
import { KeptGetPage } from './kept-get-page.js';
import { MAX_WALKS_PER_SET } from './walks-ahead.js';
import { KeptAllowedLabels } from './kept-allowed-labels.js';
import type { FilterSpec } from './filter-key.js';
import { isCancelled, settledOrCancelled } from '../util/shared-wait.js';
import { UnloadedVectors, type CheckedFiles, type RecordFacts } from './unloaded-vectors.js';
import { runStepsSliced, startSteps, type SliceOptions, type Steps } from '../util/steps.js';
import { throwIfAborted } from '../backup/task.js';
import type { DocumentNode, WhereNode } from '../filter/where-ast.js';
import { combineFilters } from '../filter/combine.js';
import { columnUses, type ScalarColumn } from '../filter/execute-bitset.js';
import type { IdBitset } from '../filter/id-bitset.js';
import { CheckpointPreview } from './vector-preview.js';
import { countTuning, sampleSegmentIds, segmentRecordCount, segmentRecordCountSteps, tableIdBounds, type CountSteps } from './segment-records.js';
import { vectorProblems } from './vector-coverage.js';
import { typedMetadataToPlain } from './plain-metadata.js';
import { SqlColumnSource } from '../filter/sql-column-source.js';
import { nextTurn } from '../util/next-turn.js';

export { PREPARED_IDLE_MS } from './background-load-slot.js';


/**
 * One collection as a fresh Chroma process would see it, built lazily: nothing is read until a
 * caller asks, and vectors are loaded only for queries and embedding reads (as Chroma does).
 */
export class CollectionReader {
  readonly params: HnswParams;
  private overlayCache: MetadataOverlay | null = null;
  private vectorCache: VectorState | null = null;
  private summaryCache: HeaderOnlyResult | null | undefined;

  constructor(
    readonly ctx: FolderContext,
    readonly catalog: CatalogCollection,
    /**
     * The folder's snapshot, for work a call starts and later turns of the thread finish (a large
     * segment's metadata column, built in the background: SqlColumnSource's laterBuilds).
     */
    private readonly laterSnapshot?: <T>(fn: () => T) => T,
  ) {
    this.params = resolveHnswParams(catalog);
    this.background = new BackgroundLoadSlot(this.params.space, () => this.vectorCache !== null);
  }

  get id() {
    return this.catalog.id;
  }

  get dimension() {
    return this.catalog.dimension;
  }

  private rawMaxSeq(segmentId: string | undefined): unknown {
    if (!segmentId || !this.ctx.probe.hasTable('max_seq_id')) return null;
    const row = this.ctx.db.prepare('SELECT seq_id FROM max_seq_id WHERE segment_id = ?').get(segmentId) as { seq_id: unknown } | undefined;
    return row?.seq_id ?? null;
  }

  /**
   * The highest seq anything in the database records: the WAL, the records' seq_id, M. Null if
   * none. When M or the WAL already reach `enough`, the records' seq_id (a column without an
   * index: a full table scan, ~0.2 s at a million rows) is not read, since it cannot change the
   * answer to "is anything at least `enough`".
   */
  private maxKnownSeq(enough = Infinity): number | null {
    const db = this.ctx.db;
    const decode = (values: unknown[]) => values.map((v) => (v === null || v === undefined ? null : decodeSeqId(v))).filter((v): v is number => v !== null);
    const values: unknown[] = [this.rawMaxSeq(this.catalog.metadataSegment?.id)];
    if (this.ctx.probe.hasColumn('embeddings_queue', 'seq_id')) values.push(db.prepare('SELECT max(seq_id) FROM embeddings_queue').pluck(true).get());
    const cheap = decode(values);
    if (cheap.length > 0 && Math.max(...cheap) >= enough) return Math.max(...cheap);
    if (this.ctx.probe.hasColumn('embeddings', 'seq_id')) values.push(db.prepare('SELECT max(seq_id) FROM embeddings').pluck(true).get());
    const seqs = decode(values);
    return seqs.length === 0 ? null : Math.max(...seqs);
  }

  /** M: the last WAL seq the metadata segment applied (0 when never). */
  metadataSeq(): number {
    return decodeSeqId(this.rawMaxSeq(this.catalog.metadataSegment?.id)) ?? 0;
  }

  /**
   * The vector segment's files, header and pickle without reading vectors: cheap enough for
   * overviews. Once vectors are loaded, the full checkpoint validation supersedes it.
   */
  checkpointSummary(): HeaderOnlyResult | null {
    if (this.vectorCache?.checkpoint) {
      const cp = this.vectorCache.checkpoint;
      return { folderExists: cp.files.length > 0, files: cp.files, header: cp.header, pickle: cp.pickle, hasCheckpoint: cp.usable, problems: cp.problems, indexMetadata: null, decodedPickle: null };
    }
    if (this.summaryCache === undefined) {
      const seg = this.catalog.vectorSegment;
      // Kept (summaryCache), and handed to a first query or a load: its ids are compacted.
      const summary = seg ? readHeaderOnly(this.ctx.dir, seg.id, { keepsIdMap: true }) : null;
      // A checkpoint whose files already show damage will fail the full checks too.
      if (summary?.hasCheckpoint && summary.problems.some((p) => p.severity === 'error')) summary.hasCheckpoint = false;
      this.summaryCache = summary;
    }
    return this.summaryCache;
  }

  /** V: the last WAL seq the HNSW checkpoint holds; 0 when there is no usable checkpoint. */
  vectorSeq(): number {
    if (this.vectorCache) return this.vectorCache.checkpointSeq;
    const summary = this.checkpointSummary();
    if (!summary?.hasCheckpoint) return 0;
    return this.vectorSeqRow() ?? summary.pickle?.maxSeqId ?? 0;
  }

  /** The vector segment's row in max_seq_id, decoded; null without one (0.4–0.6 keep it in the pickle). */
  private vectorSeqRow(): number | null {
    return decodeSeqId(this.rawMaxSeq(this.catalog.vectorSegment?.id));
  }

  metadataTail(): WalRecord[] {
    return readWalTail(this.ctx.db, this.catalog.topic, this.metadataSeq());
  }

  overlay(): MetadataOverlay {
    if (!this.overlayCache) {
      const tail = this.metadataTail();
      this.overlayCache = tail.length === 0 ? MetadataOverlay.empty() : MetadataOverlay.replay(this.ctx, this.catalog.metadataSegment?.id ?? null, tail);
    }
    return this.overlayCache;
  }

  /** A decoded pickle a reader of the vectors may take over (DecodedPickle), given once. */
  private sparePickle: DecodedPickle | null = null;

  private takePickle(): DecodedPickle | null {
    const spare = this.sparePickle ?? this.summaryCache?.decodedPickle ?? null;
    this.sparePickle = null;
    return spare;
  }

  /** `takePickle`: with the pickle the checkpoint summary decoded, taken for the vector load (false: none, leaving it to the load). */
  private vectorSource(takePickle = true): VectorSource {
    const seg = this.catalog.vectorSegment;
    return {
      space: this.params.space,
      dimension: this.dimension,
      efSearch: this.params.efSearch,
      folderDir: this.ctx.dir,
      vectorSegmentId: seg?.id ?? null,
      collectionId: this.id,
      maxSeqRow: () => this.vectorSeqRow(),
      readTail: (after) => readWalTail(this.ctx.db, this.catalog.topic, after, { vectorsOnly: true }),
      readOverlap: (upTo, limit) => readWalBefore(this.ctx.db, this.catalog.topic, upTo, limit),
      maxKnownSeq: (enough) => this.maxKnownSeq(enough),
      pickle: takePickle ? this.takePickle() : null,
    };
  }

  /** The load a first query from the files leaves to the second, under way in the background. */
  private readonly background: BackgroundLoadSlot;

  /**
   * Called once a first query was answered from the files: the next one loads the vectors, so
   * that load starts in the background (background-load-slot.ts) once this call has returned its
   * answer, or when the load is asked for first (it then copies with the helper instead of
   * checking the files again).
   */
  prepareVectorLoad(plan: LoadPlan): void {
    if (this.vectorCache || this.loadingAhead) return;
    this.background.offer(plan);
  }

  /**
   * Finishes the vector load a first query from the files left to a background copy, while the
   * thread is idle (ChromaFolder.finishLoadsWhenIdle): once the copy is done
   * (BackgroundLoadSlot.whenFilled), the load and the graph read run ahead in slices
   * (loadVectorsAhead) on this reader only. Nothing starts when the vectors are loaded, a load
   * ahead runs or this reader is retired, and a reader retired meanwhile (a write, a close) stops
   * quietly; its successor loads when a call asks. Vectors loaded this way that no call has taken
   * `releaseAfterMs` later are let go, as the copy was (PREPARED_IDLE_MS).
   */
  finishLoadWhenFilled(inSnapshot: <T>(fn: () => T) => T, releaseAfterMs = PREPARED_IDLE_MS): void {
    const idle = () => !this.vectorCache && !this.loadingAhead && !this.retired;
    if (!idle()) return;
    this.background.whenFilled(() => {
      if (!idle()) return;
      const taken = this.vectorsTaken;
      this.loadVectorsAhead({ forQuery: true }, {}, inSnapshot).then(
        () => this.releaseIfNotTaken(taken, releaseAfterMs),
        () => {}, // work ahead that fails leaves the next call to load, and to say why
      );
    });
  }

  /** Calls of vectors() so far: a load finished while idle is let go if none comes within its time. */
  private vectorsTaken = 0;

  private releaseIfNotTaken(takenBefore: number, ms: number): void {
    const state = this.vectorCache;
    if (!state) return;
    const timer = setTimeout(() => {
      if (this.vectorCache !== state || this.vectorsTaken !== takenBefore || this.retired) return;
      // Only the vectors and what was found for them: the metadata caches stay.
      this.releases++;
      this.vectorCache = null;
      this.allowedAhead.clear();
      this.previewCache = undefined;
      this.firstQueryOffered = false;
    }, ms);
    timer.unref();
  }

  /** Stops a background load that will not be used (the folder closes, or its readers are rebuilt). */
  dropPreparedLoad(): void {
    this.background.drop();
  }

  /** `forQuery`: load for a search (see VectorState.load); any later call gets the same state. */
  vectors(opts: { forQuery?: boolean } = {}): VectorState {
    this.vectorsTaken++;
    if (!this.vectorCache) this.adopt(VectorState.load(this.loadSource(), opts, this.background.take()));
    return this.vectorCache!;
  }

  /**
   * The source for a vector load. The load takes over the pickle the overview or the first query
   * decoded (if its file is unchanged) and edits its maps: the overview lets go of it, so no one
   * sees the edits.
   */
  private loadSource(): VectorSource {
    this.previewCache = undefined;
    const source = this.vectorSource();
    if (this.summaryCache) {
      this.summaryCache.indexMetadata = null;
      this.summaryCache.decodedPickle = null;
    }
    return source;
  }

  private adopt(state: VectorState): void {
    this.vectorCache = state;
    // A background load started while this one ran (a first query answered from the files meanwhile) has nothing left to do.
    this.dropPreparedLoad();
    // The first query's checks of the files are of no use now (and hold the pickle's maps).
    this.checkedFiles = undefined;
    this.openedAhead = null;
    this.openedForGets = null;
    this.previewCache = undefined; // the loaded vectors answer previews now
  }

  /** Counts release() calls: a load ahead that started before one is not adopted after it. */
  private releases = 0;
  private loadingAhead: Promise<void> | null = null;

  /**
   * Loads the vectors ahead of a query that needs them (VectorState.loadSliced), in slices that
   * give the thread back, for a caller whose thread serves others; for a search (`forQuery`) the
   * graph is then read in a turn of its own. Does nothing when they are loaded. Two at once share
   * one load. A load that fails leaves nothing behind: the query loads in one piece, and reports
   * what the load found. A cancelled one (`slice.signal`) throws CANCELLED to its caller.
   */
  async loadVectorsAhead(opts: { forQuery?: boolean }, slice: SliceOptions = {}, inSnapshot: <T>(fn: () => T) => T = (fn) => fn()): Promise<void> {
    // Loaded without the graph (a get of embeddings, a cancelled read of it): the graph is read ahead.
    if (this.vectorCache) return opts.forQuery ? this.graphAhead(this.vectorCache, slice) : undefined;
    // The second of two at once waits for the first one's load (and loads in one piece, in its
    // query, if that one was cancelled or failed).
    if (this.loadingAhead) return settledOrCancelled(this.loadingAhead, slice.signal);
    this.loadingAhead = this.ahead(slice, (s) => this.loadAhead(opts, s, inSnapshot)).finally(() => (this.loadingAhead = null));
    try {
      await this.loadingAhead;
    } catch (err) {
      if (isCancelled(err)) throw err;
    }
  }

  /**
   * Runs work ahead in slices that also stop once this reader is retired (its data changed or its
   * folder closed): that stop is quiet; the caller's own cancel still throws CANCELLED.
   */
  async ahead<T>(slice: SliceOptions, work: (slice: SliceOptions) => Promise<T>): Promise<T | undefined> {
    throwIfAborted(slice.signal);
    if (this.retired) return undefined;
    try {
      return await work({ ...slice, stopped: () => this.retired || slice.stopped?.() === true });
    } catch (err) {
      if (isCancelled(err) && this.retired && !slice.signal?.aborted) return undefined;
      throw err;
    }
  }

  private async loadAhead(opts: { forQuery?: boolean }, slice: SliceOptions, inSnapshot: <T>(fn: () => T) => T): Promise<void> {
    if (this.retired) return;
    const releases = this.releases;
    // A start still to finish runs in slices (a turn of its own); otherwise the load begins now.
    const prepared = this.background.startPending ? await this.background.takeSliced(slice) : this.background.take();
    if (this.vectorCache || releases !== this.releases || this.retired) return prepared?.release();
    const state = await VectorState.loadSliced(this.loadSource(), opts, prepared, slice, inSnapshot);
    if (this.vectorCache || releases !== this.releases || this.retired) return;
    this.adopt(state);
    if (!opts.forQuery) return;
    await nextTurn();
    if ((this.vectorCache as VectorState | null) === state && !this.retired) await this.graphAhead(state, slice);
  }

  /** The graph read ahead (VectorState.prepareGraph), once for callers at once; nothing when it is read. */
  private graphReading: { state: VectorState; done: Promise<void> } | null = null;

  private async graphAhead(state: VectorState, slice: SliceOptions): Promise<void> {
    if (state.graphRead) return;
    if (this.graphReading?.state === state) return settledOrCancelled(this.graphReading.done, slice.signal);
    const done = this.ahead(slice, (s) => state.prepareGraph(s)).then(() => undefined);
    const reading = { state, done: done.finally(() => (this.graphReading = this.graphReading === reading ? null : this.graphReading)) };
    this.graphReading = reading;
    return reading.done;
  }

  private firstQueryOffered = false;

  /**
   * The checked checkpoint without its vectors in memory, for the first unfiltered query
   * (unloaded-vectors.ts), given once: walking the files costs a read per element visited, so
   * later queries load the vectors. Null when they are loaded, or when only a load answers exactly.
   */
  takeUnloadedVectors(): UnloadedVectors | null {
    if (this.openedAhead) {
      const opened = this.openedAhead;
      this.openedAhead = null;
      if (!this.vectorCache && opened.filesUnchanged()) return opened;
      // The files moved since: they are checked again, as for a first query not prepared.
      this.firstQueryOffered = false;
    }
    if (this.vectorCache || this.firstQueryOffered) return null;
    this.firstQueryOffered = true;
    const checked = this.checkedFiles ?? null;
    this.checkedFiles = undefined;
    return UnloadedVectors.open({ ...this.vectorSource(), keepPickle: (p) => (this.sparePickle = p) }, this.recordFacts(), checked);
  }

  /** What UnloadedVectors proves the files against: the records in SQLite and the WAL. */
  private recordFacts(): RecordFacts {
    return {
      count: () => this.count(),
      sampleRecordIds: (n) => this.sampleRecordIds(n),
      overlayEmpty: () => this.overlay().live.size === 0 && this.overlay().shadowed.size === 0,
    };
  }

  private openedForGets: UnloadedVectors | null = null;

  /**
   * After checkFirstQueryFiles: opens the checked files for gets that return a few records'
   * embeddings (get-result.ts), which then read those vectors from data_level0.bin instead of
   * loading every vector (7.6 s and 2.4 GB at five million). The first query's proof
   * (unloaded-vectors.ts) makes them the vectors the load would give. The checks stay the first
   * query's to take. Whether the files answer.
   */
  openFilesForGets(): boolean {
    if (this.filesForGets()) return true;
    const checked = this.checkedFiles;
    const source = this.vectorSource(false);
    // Files that moved since their checks would be checked again here, in one piece (seconds at
    // five million): the get loads the vectors ahead instead, in slices.
    if (this.vectorCache || !checked || !UnloadedVectors.checkedStillFresh(source, checked)) return false;
    this.openedForGets = UnloadedVectors.open(source, this.recordFacts(), checked);
    return this.openedForGets !== null;
  }

  /**
   * The files opened for gets (openFilesForGets), or else the first query's opened ahead of it
   * (a prepared query and get at once: the query took the checks), read and not taken; while the
   * vectors are not loaded and the files have not moved.
   */
  filesForGets(): UnloadedVectors | null {
    if (this.vectorCache || !this.openedForGets?.filesUnchanged()) this.openedForGets = null;
    if (this.openedForGets || this.vectorCache) return this.openedForGets;
    return this.openedAhead?.filesUnchanged() ? this.openedAhead : null;
  }

  /**
   * Whether the WAL holds records past what the vector segment has persisted: the checkpoint's
   * files then cannot answer alone (UnloadedVectors needs no tail), and checking them first would
   * only delay the load. One seek, from the segment's row in max_seq_id: vectorSeq() would decode
   * the pickle in one piece for its summary (0.8 s at five million). Without that row (the pickle
   * holds the seq there), false: the checks decide.
   */
  hasVectorTail(): boolean {
    const seq = this.vectorSeqRow();
    return seq !== null && hasWalRowsAfter(this.ctx.db, this.catalog.topic, seq);
  }

  /** The first query's vectors opened ahead of it (openFirstQueryFiles), until the query takes them. */
  private openedAhead: UnloadedVectors | null = null;

  /**
   * After checkFirstQueryFiles: opens what the first query will search (takeUnloadedVectors) now,
   * with the SQLite part of its checks, so the caller knows whether the files answer it (true) or
   * the query needs the vectors loaded (false: load them ahead too, loadVectorsAhead).
   */
  openFirstQueryFiles(): boolean {
    if (this.vectorCache || this.firstQueryOffered) return this.openedAhead !== null;
    this.openedAhead = this.takeUnloadedVectors();
    return this.openedAhead !== null;
  }

  /** Whether the collection's next plain search is its first, which may be answered from the files. */
  get firstQueryPending(): boolean {
    return !this.vectorCache && !this.firstQueryOffered;
  }

  /** The first query's checks of the checkpoint's files, done ahead (checkFirstQueryFiles); undefined until then. */
  private checkedFiles: CheckedFiles | null | undefined;

  /**
   * Checks the checkpoint's files for the first query ahead of it, in slices that give the thread
   * back (a second at a million vectors; util/steps.ts), for a caller whose thread serves others:
   * the query that follows (takeUnloadedVectors) then only reads SQLite and walks the graph. Does
   * nothing when the vectors are loaded or the first query has been asked.
   */
  async checkFirstQueryFiles(slice: SliceOptions = {}, inSnapshot: <T>(fn: () => T) => T = (fn) => fn()): Promise<void> {
    if (this.vectorCache || this.firstQueryOffered || this.checkedFiles !== undefined) return;
    // Two first queries at once (serve): the second waits for the first one's checks (and checks
    // in one piece, in its query, if they were cancelled or failed).
    if (this.checking) return settledOrCancelled(this.checking, slice.signal);
    this.checking = this.ahead(slice, (sliced) => this.checkFilesAhead(sliced, inSnapshot))
      .then(() => undefined)
      .finally(() => (this.checking = null));
    await this.checking;
  }

  private checking: Promise<void> | null = null;

  private async checkFilesAhead(slice: SliceOptions, inSnapshot: <T>(fn: () => T) => T): Promise<void> {
    // The record count the query's coverage proof needs (a failure is the query's to report).
    // Started first: a large table's count goes to the off-thread reader, which counts while this
    // thread checks the files. Counted here instead, it is taken in steps while a pre-scan worker
    // checks the vectors (as takeUnloadedVectors takes it), or after the checks.
    // Below countTuning's bound in one piece (~5 ms at 100k), as prepareCount counts: in ranges
    // it was twice that. It waits for the first pause of the checks (segmentRecordCountSteps
    // pauses before it), so the level-0 pass beside them (native/level0-prescan.cc) starts first.
    const counting = startSteps(this.countSteps(inSnapshot, { offThread: true, onePieceBelowIds: countTuning.prepareCountOnePieceBelowIds }));
    try {
      const count = () => (counting.elsewhere ? undefined : counting.steps);
      const checked = await runStepsSliced(UnloadedVectors.checkFiles(this.vectorSource(), count), slice);
      // Kept before the count is joined: a cancel while it ends leaves the checks done.
      if (!this.vectorCache && !this.firstQueryOffered) this.checkedFiles = checked;
      await runStepsSliced(counting.steps, slice);
    } finally {
      counting.stop();
    }
  }

  private countCache: number | undefined;

  /**
   * Chroma's count: metadata segment rows plus the replayed tail. Kept until the database
   * changes (the folder rebuilds its readers when SQLite's data_version moves).
   */
  count(): number {
    this.countCache ??= this.countNow();
    return this.countCache;
  }

  /**
   * count() as steps, ahead of a call that needs it: the segment's rows counted in ranges of ids
   * (segmentRecordCountSteps), each in `inSnapshot`, and kept as count() keeps them unless the
   * data changed meanwhile. A failure is left to count() in the call to report. `how`: see
   * segmentRecordCountSteps (a large table counted by the off-thread reader, a smaller one in one piece).
   */
  *countSteps(inSnapshot: <T>(fn: () => T) => T, how: CountSteps = {}): Steps<void> {
    if (this.countCache !== undefined) return;
    if (!(yield* this.segmentRowsSteps(inSnapshot, how))) return;
    try {
      inSnapshot(() => this.count());
    } catch (err) {
      if (isCancelled(err)) throw err;
    }
  }

  /** segmentRows() as steps (countSteps without the WAL tail); whether they got it (false: the data changed, or a failure the call will report). */
  *segmentRowsSteps(inSnapshot: <T>(fn: () => T) => T, how: CountSteps = {}): Steps<boolean> {
    const seg = this.catalog.metadataSegment;
    if (!seg || this.segmentRowsCache !== undefined) return true;
    try {
      const rows = yield* segmentRecordCountSteps(this.ctx.db, seg.id, inSnapshot, undefined, how);
      if (this.retired) return false;
      this.segmentRowsCache ??= rows;
      return true;
    } catch (err) {
      if (isCancelled(err)) throw err;
      return false;
    }
  }

  private segmentRowsCache: number | undefined;

  /** The metadata segment's rows in `embeddings` (a b-tree count: tens of ms at a million rows, so kept like count()). */
  segmentRows(): number {
    const seg = this.catalog.metadataSegment;
    this.segmentRowsCache ??= seg ? segmentRecordCount(this.ctx.db, seg.id) : 0;
    return this.segmentRowsCache;
  }

  private countNow(): number {
    const base = this.segmentRows();
    const overlay = this.overlay();
    return base - overlay.shadowedInSql + overlay.live.size;
  }

  /** Up to `n` of the segment's record ids, spread over its rows (for cheap consistency checks). */
  sampleRecordIds(n: number): string[] {
    const seg = this.catalog.metadataSegment;
    return seg ? sampleSegmentIds(this.ctx.db, seg.id, n) : [];
  }

  private labelsCache: { vectors: VectorState; labels: RecordLabels } | null = null;

  /**
   * embeddings.id → HNSW label for the loaded vectors (record-labels.ts), loaded now if they are
   * not: what filtered queries and the map's colours map SQL matches with.
   */
  recordLabels(): RecordLabels {
    const vectors = this.vectors();
    if (this.labelsCache?.vectors !== vectors) {
      const seg = this.catalog.metadataSegment;
      const labels = new RecordLabels({
        ctx: this.ctx,
        segmentId: seg?.id ?? null,
        idToLabel: vectors.idToLabel,
        count: () => this.count(),
        universe: () => this.columnSource()?.universe() ?? null,
        later: this.laterSnapshot ? { inSnapshot: this.laterSnapshot, still: () => !this.retired && this.vectorCache === vectors } : undefined,
      });
      this.labelsCache = { vectors, labels };
    }
    return this.labelsCache.labels;
  }

  /** Set once the folder rebuilt its readers (its data changed): work ahead for this one stops. */
  private retired = false;

  /** Called by the folder on a reader it replaced: its background load stops, its columns' background builds, and any work ahead. */
  retire(): void {
    this.retired = true;
    this.dropPreparedLoad();
    this.columns?.stopBackgroundBuilds();
    this.labelsCache?.labels.stopBackgroundBuild();
  }

  /** Whether the folder replaced this reader (its data changed) or closed. */
  get isRetired(): boolean {
    return this.retired;
  }

  /**
   * Builds ahead, in slices of the thread, the caches a filtered call is about to build in one
   * piece (seconds at a million records): the metadata columns its leaves will read
   * (SqlColumnSource.columnWouldBuild); the leaves it would ask SQLite for, read in pages
   * (filter/sql-leaf-pages.ts) and kept; and for a query on loaded vectors the labels of its
   * matches (RecordLabels.prepareAhead). The call itself follows.
   */
  async prepareFilterAhead(
    spec: { where: WhereNode | null; whereDocument: DocumentNode | null },
    forQuery: boolean,
    slice: SliceOptions = {},
    inSnapshot: <T>(fn: () => T) => T = (fn) => fn(),
    /** Whether the call evaluates the whole filter (false: a get that pages a `$contains` itself, contains-page.ts). */
    evaluates = true,
  ): Promise<IdBitset | null> {
    const filter = combineFilters(spec.where, spec.whereDocument);
    if (!filter) return null;
    const outcome = await this.ahead(slice, async (sliced): Promise<IdBitset | null> => {
      const current = () => !this.retired;
      const source = inSnapshot(() => this.columnSource());
      if (!source) return null;
      // The segment's row count, which the filter's universe (segmentIdRange) takes first, in one
      // piece otherwise: a column's build and the filter's matches both start from the universe.
      await runStepsSliced(this.segmentRowsSteps(inSnapshot), sliced);
      // A large segment's column is built in the background, and this call goes through SQL
      // (SqlColumnSource.buildInBackground says why); a smaller one's before the call.
      const inBackground = inSnapshot(() => source.buildsInBackground());
      for (const [key, times] of columnUses(filter)) {
        if (!current() || !source.columnWouldBuild(key, times)) continue;
        if (inBackground) source.buildInBackground(key, inSnapshot, current);
        else await runStepsSliced(source.columnSteps(key, inSnapshot, current), sliced);
      }
      // The filter evaluated ahead, when it would query SQLite (a key without a column, a document
      // or array leaf not cached) or its matches are needed for the labels: SQL leaves in pages, kept for the call.
      const toQuery = source.leavesToReadAhead(filter, inSnapshot);
      let evaluated: Promise<IdBitset | null> | null = null;
      const matches = () => (evaluated ??= toQuery === null ? Promise.resolve(null) : source.matchesAhead(filter, inSnapshot, sliced));
      if (evaluates && current() && toQuery !== null && toQuery > 0) await matches();
      const vectors = this.vectorCache;
      if (!forQuery || !current() || !vectors) return null;
      // The labels are the loaded vectors' own: a release meanwhile ends the work, keeping nothing.
      const still = () => current() && this.vectorCache === vectors;
      await this.recordLabels().prepareAhead(async () => {
        const bits = await matches();
        return bits ? runStepsSliced(matchIdsSteps(bits), sliced) : null;
      }, inSnapshot, still, sliced);
      return still() ? matches() : null;
    });
    return outcome ?? null;
  }

  /** A get's page read ahead of it (calls-ahead.ts getAhead), for the get to take (get-result.ts). */
  readonly pageAhead = new KeptGetPage();

  /** The labels queries' filters allow, found ahead of them (keepAllowedAhead) and kept per filter. */
  private readonly allowedAhead = new KeptAllowedLabels();

  /** Whether a query with these filters will find its allowed labels kept (keepAllowedAhead). */
  hasAllowedAhead(spec: FilterSpec): boolean {
    return this.allowedAhead.has(spec, this.vectorCache);
  }

  /**
   * Keeps what `steps` find ahead of a query over the loaded vectors (run-query.ts
   * allowedAheadSteps: the labels its filter allows), for the queries with these filters to take
   * (takeAllowedAhead) instead of finding them in one piece. Steps that fail leave the query to
   * find them, and report what it must.
   */
  async keepAllowedAhead(spec: FilterSpec, steps: (vectors: VectorState) => Steps<Set<number> | null>, slice: SliceOptions = {}): Promise<void> {
    await this.ahead(slice, async (sliced) => {
      const vectors = this.vectorCache;
      if (!vectors || this.hasAllowedAhead(spec)) return;
      let allowed: Set<number> | null;
      try {
        allowed = await runStepsSliced(steps(vectors), sliced);
      } catch (err) {
        if (isCancelled(err)) throw err;
        return;
      }
      if (allowed && this.vectorCache === vectors && !this.retired) this.allowedAhead.keep(spec, vectors, allowed);
    });
  }

  /**
   * The graph walks of a filtered query (VectorState.walkAheadSteps), one per query vector, done
   * ahead in slices for its allowed labels kept ahead (keepAllowedAhead); nothing without them.
   * A walk that fails leaves the query to walk, and report what it must.
   */
  async walkAhead(spec: FilterSpec & { embeddings: readonly Float32Array[]; nResults: number }, opts: SearchOptions, slice: SliceOptions = {}): Promise<void> {
    await this.ahead(slice, async (sliced) => {
      const vectors = this.vectorCache;
      const allowed = vectors ? this.allowedAhead.get(spec, vectors) : null;
      if (!vectors || !allowed) return;
      // As many as are kept for one allowed set: the query walks any others itself.
      const walks = function* (): Steps<void> {
        for (const q of spec.embeddings.slice(0, MAX_WALKS_PER_SET)) yield* vectors.walkAheadSteps(q, spec.nResults, allowed, opts);
      };
      try {
        await runStepsSliced(walks(), sliced);
      } catch (err) {
        if (isCancelled(err)) throw err;
      }
    });
  }

  /**
   * The allowed labels kept ahead for a query with these filters over these vectors; null
   * otherwise. The caller must not change the set (the next query with these filters takes it too).
   */
  takeAllowedAhead(spec: FilterSpec, vectors: VectorState): ReadonlySet<number> | null {
    const ahead = this.vectorCache === vectors ? this.allowedAhead.get(spec, vectors) : null;
    if (!ahead) return null;
    // The query took its labels from work done ahead: counted as its own lookup (the third builds
    // the table), and its keys' uses as its own evaluation would count them.
    this.recordLabels().countUse();
    const filter = combineFilters(spec.where, spec.whereDocument);
    if (filter) this.columnSource()?.noteUses(filter);
    return ahead;
  }

  /**
   * A key's metadata column and the whole labels table, built ahead in slices: what the map's
   * colours by that key read (map/map-values.ts). The labels only when the vectors are loaded.
   */
  async prepareColumnAhead(key: string, slice: SliceOptions = {}, inSnapshot: <T>(fn: () => T) => T = (fn) => fn()): Promise<void> {
    await this.ahead(slice, async (sliced) => {
      const current = () => !this.retired;
      const source = inSnapshot(() => this.columnSource());
      if (source && current()) {
        // The map waits for its colours: its own build, in its slices, rather than a background one's.
        source.stopBackgroundBuilds(key);
        await runStepsSliced(source.columnSteps(key, inSnapshot, current), sliced);
      }
      const vectors = this.vectorCache;
      if (!vectors || !current()) return;
      const still = () => current() && this.vectorCache === vectors;
      // As for the column: its own build, in its slices, rather than a background one's.
      this.recordLabels().stopBackgroundBuild();
      await runStepsSliced(this.recordLabels().tableSteps(inSnapshot, still), sliced);
    });
  }

  userIdOf(internalId: number): string {
    const row = this.ctx.db.prepare('SELECT embedding_id AS id FROM embeddings WHERE id = ?').get(internalId) as { id: string } | undefined;
    return row?.id ?? `#${internalId}`;
  }

  private columns: SqlColumnSource | null = null;

  /**
   * Cached metadata columns for fast filters; records replayed from the WAL are left out. Null
   * without a metadata segment, or when its ids spread too wide for bit sets (filters then go
   * through SQL).
   */
  columnSource(): SqlColumnSource | null {
    const columns = this.metadataColumns();
    return columns?.bitsetsFit() ? columns : null;
  }

  /** A key's metadata column over the segment (cached; records replayed from the WAL left out), also where bit sets do not fit. */
  metadataColumn(key: string): ScalarColumn | null {
    return this.metadataColumns()?.column(key) ?? null;
  }

  private metadataColumns(): SqlColumnSource | null {
    const seg = this.catalog.metadataSegment;
    if (!seg) return null;
    const inSnapshot = this.laterSnapshot;
    const laterBuilds = inSnapshot ? { inSnapshot, current: () => !this.retired } : undefined;
    this.columns ??= new SqlColumnSource(this.ctx.db, this.ctx.filterContext, seg.id, this.overlay().shadowedInternalIds, 1, () => this.segmentRows(), laterBuilds);
    return this.columns;
  }

  private dominates: boolean | undefined;

  /** Whether this collection holds most rows of the shared `embeddings` table (planner hint). */
  dominatesEmbeddingsTable(): boolean {
    if (this.dominates === undefined) {
      const seg = this.catalog.metadataSegment;
      const bounds = tableIdBounds(this.ctx.db);
      const all = bounds ? bounds.last - bounds.first + 1 : 0;
      const mine = seg ? this.segmentRows() : 0;
      this.dominates = all > 0 && mine / all > 0.2;
    }
    return this.dominates;
  }

  private previewCache: CheckpointPreview | null | undefined;

  /** Reads embedding previews from the checkpoint files while the vectors are not loaded (null: it cannot). */
  checkpointPreview(): CheckpointPreview | null {
    if (this.previewCache === undefined) this.previewCache = CheckpointPreview.open(this);
    return this.previewCache;
  }

  /** Whether the vectors are loaded (a caller that loaded them only for itself releases them after). */
  get vectorsLoaded(): boolean {
    return this.vectorCache !== null;
  }

  /** Unloads vectors so memory returns to near zero for an idle collection. */
  release() {
    this.releases++;
    this.vectorCache = null;
    this.openedAhead = null;
    this.labelsCache?.labels.stopBackgroundBuild();
    this.labelsCache = null;
    this.allowedAhead.clear();
    this.pageAhead.clear();
    this.dropPreparedLoad();
    this.firstQueryOffered = false;
    this.checkedFiles = undefined;
    this.summaryCache = undefined;
    this.previewCache = undefined;
    this.openedForGets = null;
    this.columns?.stopBackgroundBuilds();
    this.columns = null;
  }

  info(): CollectionInfo {
    const M = this.metadataSeq();
    const cp = this.checkpointSummary();
    const V = this.vectorSeq();
    const loaded = this.vectorCache;
    const walRows = countWalRows(this.ctx.db, this.catalog.topic);
    const problems: Problem[] = [...(cp?.problems ?? [])];
    const segments: SegmentInfo[] = this.catalog.segments.map((s) => {
      const raw = this.rawMaxSeq(s.id);
      const base: SegmentInfo = {
        id: s.id,
        type: s.type,
        scope: s.scope,
        metadata: typedMetadataToPlain(s.metadata),
        maxSeqId: decodeSeqId(raw),
        maxSeqIdEncoding: seqIdEncoding(raw),
      };
      if (s.scope === 'VECTOR' && cp) {
        const pending = countWalRows(this.ctx.db, this.catalog.topic, V);
        base.vector = {
          folder: s.id,
          folderExists: cp.files.length > 0,
          files: cp.files,
          header: cp.header,
          pickle: cp.pickle,
          persistedElements: cp.hasCheckpoint ? (loaded?.checkpoint?.idToLabel.size ?? cp.pickle?.idToLabelCount ?? 0) : 0,
          deletedElements: loaded?.checkpoint ? loaded.checkpoint.deletedCount : null,
          pendingWalRows: pending,
          checkpointUsable: cp.hasCheckpoint,
          problems: cp.problems,
        };
      }
      return base;
    });
    if (this.ctx.era.rustCore) {
      for (const s of segments) {
        if (s.maxSeqIdEncoding === 'blob') {
          problems.push({
            severity: 'error',
            code: 'seq.blob-in-rust-era',
            message: `max_seq_id for segment ${s.id} is a BLOB in a Rust-core folder; Chroma 1.x fails with "mismatched types" (a pre-1.0 Chroma wrote to it)`,
            segmentId: s.id,
            collectionId: this.id,
          });
        }
      }
    }
    if (this.dimension !== null && (this.vectorCache || cp?.problems.some((p) => p.severity === 'error'))) {
      // Loaded vectors (or a checkpoint that already shows damage): say exactly which records lack
      // a vector and which damage the full load found (collection/vector-coverage.ts).
      const seen = new Set(problems.map((p) => p.message));
      for (const p of vectorProblems(this)) if (!seen.has(p.message)) problems.push(p);
    }
    const metadataLag = countWalRows(this.ctx.db, this.catalog.topic, M);
    const vectorLag = countWalRows(this.ctx.db, this.catalog.topic, V);
    return {
      id: this.id,
      name: this.catalog.name,
      tenant: this.catalog.tenant,
      database: this.catalog.database,
      dimension: this.dimension,
      count: this.count(),
      hnsw: this.params,
      metadata: typedMetadataToPlain(this.catalog.metadata),
      configJson: this.catalog.configJson,
      schemaJson: this.catalog.schemaJson,
      segments,
      walRows,
      metadataLag,
      vectorLag,
      problems,
    };
  }
}
