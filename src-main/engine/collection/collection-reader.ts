import type { CollectionInfo, HnswParams, Problem, SegmentInfo } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import type { CatalogCollection } from '../catalog/read-catalog.js';
import type { FolderContext } from './folder-context.js';
import type { WalRecord } from '../wal/decode-row.js';
import type { DecodedPickle, HeaderOnlyResult } from '../hnsw/checkpoint.js';
import { resolveHnswParams } from '../catalog/hnsw-params.js';
import { readHeaderOnly } from '../hnsw/checkpoint.js';
import { decodeSeqId, seqIdEncoding } from '../sqlite/seq-id.js';
import { countWalRows, readWalBefore, readWalTail } from '../wal/read-wal.js';
import { MetadataOverlay } from './metadata-overlay.js';
import { VectorState, type VectorSource } from './vector-state.js';
import { PreparedLoad, type LoadPlan } from './prepared-load.js';
import { UnloadedVectors, type CheckedFiles } from './unloaded-vectors.js';
import { runSteps, runStepsSliced, type SliceOptions, type Steps } from '../util/steps.js';
import { cancelled, throwIfAborted } from '../backup/task.js';
import type { DocumentNode, WhereNode } from '../filter/where-ast.js';
import { combineFilters } from '../filter/combine.js';
import { columnUses, executeBitset } from '../filter/execute-bitset.js';
import { CheckpointPreview } from './vector-preview.js';
import { sampleSegmentIds, segmentRecordCount, tableIdBounds } from './segment-records.js';
import { vectorProblems } from './vector-coverage.js';
import { typedMetadataToPlain } from './plain-metadata.js';
import { SqlColumnSource } from '../filter/sql-column-source.js';

/** Ids per lookup when labelsOf maps a filter's matches to labels in one piece, and per step ahead of a query. */
const LOOKUP_IDS_PER_QUERY = 20_000;
const LOOKUP_IDS_PER_STEP = 4_000;

/** Rows per step when the labels table is built ahead (labelsTableSteps). */
const LABEL_ROWS_PER_STEP = 10_000;

/** How long a background vector load waits for the query that takes it (prepared-load.ts). */
export const PREPARED_IDLE_MS = 10 * 60_000;

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
  ) {
    this.params = resolveHnswParams(catalog);
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
      const summary = seg ? readHeaderOnly(this.ctx.dir, seg.id) : null;
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
    return decodeSeqId(this.rawMaxSeq(this.catalog.vectorSegment?.id)) ?? summary.pickle?.maxSeqId ?? 0;
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

  private vectorSource(): VectorSource {
    const seg = this.catalog.vectorSegment;
    return {
      space: this.params.space,
      dimension: this.dimension,
      efSearch: this.params.efSearch,
      folderDir: this.ctx.dir,
      vectorSegmentId: seg?.id ?? null,
      collectionId: this.id,
      maxSeqRow: () => decodeSeqId(this.rawMaxSeq(seg?.id)),
      readTail: (after) => readWalTail(this.ctx.db, this.catalog.topic, after, { vectorsOnly: true }),
      readOverlap: (upTo, limit) => readWalBefore(this.ctx.db, this.catalog.topic, upTo, limit),
      maxKnownSeq: (enough) => this.maxKnownSeq(enough),
      pickle: this.takePickle(),
    };
  }

  /** The load a first query from the files leaves to the second, under way in the background (prepared-load.ts). */
  private prepared: PreparedLoad | null = null;
  /** Its plan, until it starts at the next turn of the event loop. */
  private pending: { plan: LoadPlan; immediate: NodeJS.Immediate } | null = null;

  /** Lets go of a background load no query has taken after this long (its memory is the vectors'). */
  private idleRelease: NodeJS.Timeout | null = null;

  /** The background load for the vector load about to run: started now if it was still to start. */
  private takePrepared(): PreparedLoad | null {
    if (this.pending && !this.prepared) this.prepared = PreparedLoad.start(this.params.space, this.pending.plan);
    this.cancelPending();
    const prepared = this.prepared;
    this.prepared = null;
    return prepared;
  }

  private cancelPending(): void {
    if (this.pending) clearImmediate(this.pending.immediate);
    this.pending = null;
    if (this.idleRelease) clearTimeout(this.idleRelease);
    this.idleRelease = null;
  }

  /**
   * Called once a first query was answered from the files: the next one loads the vectors, so
   * that load starts in the background (prepared-load.ts) once this call has returned its answer,
   * at the next turn of the event loop — or when the load is asked for first (it then copies with
   * the helper instead of checking the files again).
   */
  prepareVectorLoad(plan: LoadPlan): void {
    if (this.vectorCache || this.prepared || this.pending || this.loadingAhead) return;
    const immediate = setImmediate(() => {
      this.pending = null;
      if (this.vectorCache || this.prepared) return;
      this.prepared = PreparedLoad.start(this.params.space, plan);
      if (!this.prepared) return;
      // Someone who asked one question and moved on does not keep the vectors' memory for good.
      this.idleRelease = setTimeout(() => this.dropPreparedLoad(), PREPARED_IDLE_MS);
      this.idleRelease.unref();
    });
    immediate.unref();
    this.pending = { plan, immediate };
  }

  /** Stops a background load that will not be used (the folder closes, or its readers are rebuilt). */
  dropPreparedLoad(): void {
    this.cancelPending();
    this.prepared?.release();
    this.prepared = null;
  }

  /** `forQuery`: load for a search (see VectorState.load); any later call gets the same state. */
  vectors(opts: { forQuery?: boolean } = {}): VectorState {
    if (!this.vectorCache) this.adopt(VectorState.load(this.loadSource(), opts, this.takePrepared()));
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
  private async ahead<T>(slice: SliceOptions, work: (slice: SliceOptions) => Promise<T>): Promise<T | undefined> {
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
    const state = await VectorState.loadSliced(this.loadSource(), opts, this.takePrepared(), slice, inSnapshot);
    if (this.vectorCache || releases !== this.releases || this.retired) return;
    this.adopt(state);
    if (!opts.forQuery) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
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
    return UnloadedVectors.open(
      { ...this.vectorSource(), keepPickle: (p) => (this.sparePickle = p) },
      {
        count: () => this.count(),
        sampleRecordIds: (n) => this.sampleRecordIds(n),
        overlayEmpty: () => this.overlay().live.size === 0 && this.overlay().shadowed.size === 0,
      },
      checked,
    );
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
    // The record count the query's coverage proof needs, taken while a pre-scan worker checks the
    // vectors (as takeUnloadedVectors takes it); a failure is the query's to report.
    const count = () => {
      try {
        inSnapshot(() => this.count());
      } catch {
        // counted again, and reported, by the query
      }
    };
    const checked = await runStepsSliced(UnloadedVectors.checkFiles(this.vectorSource(), count), slice);
    if (!this.vectorCache && !this.firstQueryOffered) this.checkedFiles = checked;
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

  private labelByInternal: LabelByInternalId | null = null;
  private labelLookups = 0;

  /**
   * Labels for the records a filter matched. A first filter that matches a minority of a large
   * collection looks up only its own records (the ids of 100k matches, not of every record: a
   * tenth of the time at a million); the third such call, or a large match, builds the whole
   * table once, which every later filter then reuses.
   */
  labelsOf(internalIds: readonly number[]): LabelByInternalId {
    if (this.labelByInternal || ++this.labelLookups > 2 || this.largeMatch(internalIds.length)) return this.labelsByInternalId();
    const ahead = this.lookedUpAhead;
    this.lookedUpAhead = null;
    if (ahead && sameIds(ahead.ids, internalIds)) return { get: (iid) => ahead.labels.get(iid) };
    return runSteps(this.lookupLabelsSteps(internalIds, (fn) => fn(), () => true, LOOKUP_IDS_PER_QUERY))!;
  }

  /** The labels prepareFilterAhead looked up for the matches of the query to come, until it takes them. */
  private lookedUpAhead: { ids: readonly number[]; labels: Map<number, number> } | null = null;

  /** labelsOf's lookups as steps (util/steps.ts): `perStep` ids at a time. Null once `current` says the data changed. */
  private *lookupLabelsSteps(
    internalIds: readonly number[],
    inSnapshot: <T>(fn: () => T) => T,
    current: () => boolean,
    perStep: number,
  ): Steps<{ get(iid: number): number | undefined; labels: Map<number, number> } | null> {
    const seg = this.catalog.metadataSegment;
    const labels = new Map<number, number>();
    // `+segment_id`: seek each id by primary key, not walk the segment's index looking for them.
    const lookup = this.ctx.db.prepare('SELECT id, embedding_id FROM embeddings WHERE id IN (SELECT value FROM json_each(?)) AND +segment_id = ?').raw(true);
    for (let i = 0; seg && i < internalIds.length; i += perStep) {
      if (i > 0) yield;
      if (!current()) return null;
      const ids = JSON.stringify(internalIds.slice(i, i + perStep));
      inSnapshot(() => this.eachLabel(lookup.iterate(ids, seg.id), (iid, label) => labels.set(iid, label)));
    }
    return { get: (iid) => labels.get(iid), labels };
  }

  /** A match of over half the collection: labelsOf builds the whole table for it. */
  private largeMatch(matches: number): boolean {
    return matches * 2 > this.count();
  }

  /**
   * embeddings.id → HNSW label for the records in the tables, so filtered queries map SQL matches
   * to labels without reading user ids. Built once per loaded vector state: a typed table by
   * internal id (4 bytes a record), or a Map when the ids are too sparse for one.
   */
  labelsByInternalId(): LabelByInternalId {
    if (!this.labelByInternal) {
      const table = this.labelsTable();
      const seg = this.catalog.metadataSegment;
      if (seg) this.eachLabel(this.ctx.db.prepare('SELECT id, embedding_id FROM embeddings WHERE segment_id = ?').raw(true).iterate(seg.id), table.take);
      this.labelByInternal = table.finish();
    }
    return this.labelByInternal;
  }

  /**
   * labelsByInternalId as steps (util/steps.ts): the segment's rows `rowsPerStep` at a time
   * in id order, each page in `inSnapshot`. Stops, keeping nothing, once `current` says the data
   * changed.
   */
  *labelsTableSteps(inSnapshot: <T>(fn: () => T) => T, current: () => boolean, rowsPerStep = LABEL_ROWS_PER_STEP): Steps<void> {
    const seg = this.catalog.metadataSegment;
    if (this.labelByInternal || !seg) return;
    // `+segment_id`: pages in rowid order within the segment's id range (other collections' rows
    // may lie before, after and between), not the segment's (segment_id, embedding_id) index
    // sorted again for each page.
    const { table, page, first, last } = inSnapshot(() => {
      const universe = this.columnSource()?.universe();
      return {
        table: this.labelsTable(),
        page: this.ctx.db.prepare('SELECT id, embedding_id FROM embeddings WHERE +segment_id = ? AND id > ? AND id <= ? ORDER BY id LIMIT ?').raw(true),
        first: universe ? universe.base : Number.MIN_SAFE_INTEGER,
        last: universe ? universe.base + universe.span - 1 : Number.MAX_SAFE_INTEGER,
      };
    });
    for (let after = first - 1; ; ) {
      yield;
      if (!current()) return;
      const rows = inSnapshot(() => page.all(seg.id, after, last, rowsPerStep) as [number, string][]);
      inSnapshot(() => this.eachLabel(rows, table.take));
      if (rows.length < rowsPerStep) break;
      after = rows[rows.length - 1]![0];
    }
    if (current() && !this.labelByInternal) this.labelByInternal = table.finish();
  }

  /** The table labelsByInternalId fills: dense by internal id, or a Map for sparse ids. */
  private labelsTable() {
    const vectors = this.vectors();
    const maxId = (this.ctx.db.prepare('SELECT max(id) FROM embeddings').pluck().get() as number | null) ?? 0;
    const dense = maxId <= Math.max(16 * Math.max(vectors.idToLabel.size, 1), 1 << 20);
    const table = dense ? new Int32Array(maxId + 1).fill(-1) : null;
    // Sparse ids, and labels beyond the table's int32 (only a damaged pickle has those).
    const others = new Map<number, number>();
    return {
      take: (iid: number, label: number) => {
        if (table && iid >= 0 && iid < table.length && label <= 0x7fffffff) table[iid] = label;
        else others.set(iid, label);
      },
      finish: (): LabelByInternalId => ({
        get: (iid) => {
          const l = table && iid >= 0 && iid < table.length ? table[iid]! : -1;
          return l >= 0 ? l : others.get(iid);
        },
      }),
    };
  }

  /** Set once the folder rebuilt its readers (its data changed): work ahead for this one stops. */
  private retired = false;

  /** Called by the folder on a reader it replaced: its background load stops, and any work ahead. */
  retire(): void {
    this.retired = true;
    this.dropPreparedLoad();
  }

  /** Whether the folder replaced this reader (its data changed) or closed. */
  get isRetired(): boolean {
    return this.retired;
  }

  /**
   * Builds ahead, in slices of the thread, the caches a filtered call is about to build in one
   * piece (seconds at a million records): the metadata columns its leaves will read
   * (SqlColumnSource.columnWouldBuild), and for a query on loaded vectors the table of labels by
   * internal id, once labelsOf would build it (its third filter, or a match of over half the
   * records: the filter is evaluated here to tell, and the matches SQLite found are kept for the
   * query), or else the labels of its matches, looked up for the query to take. The call itself
   * follows.
   */
  async prepareFilterAhead(
    spec: { where: WhereNode | null; whereDocument: DocumentNode | null },
    forQuery: boolean,
    slice: SliceOptions = {},
    inSnapshot: <T>(fn: () => T) => T = (fn) => fn(),
  ): Promise<void> {
    const filter = combineFilters(spec.where, spec.whereDocument);
    if (!filter) return;
    await this.ahead(slice, async (sliced) => {
      const current = () => !this.retired;
      const source = inSnapshot(() => this.columnSource());
      if (!source) return;
      for (const [key, times] of columnUses(filter)) {
        if (current() && source.columnWouldBuild(key, times)) await runStepsSliced(source.columnSteps(key, inSnapshot, current), sliced);
      }
      const vectors = this.vectorCache;
      if (!forQuery || !current() || !vectors || this.labelByInternal) return;
      // The labels are the loaded vectors' own: a release meanwhile ends the work, keeping nothing.
      const still = () => current() && this.vectorCache === vectors;
      if (this.labelLookups + 1 > 2) return runStepsSliced(this.labelsTableSteps(inSnapshot, still), sliced);
      const ids = inSnapshot(() => [...source.uncounted(() => executeBitset(filter, source)).ids()]);
      if (inSnapshot(() => this.largeMatch(ids.length))) return runStepsSliced(this.labelsTableSteps(inSnapshot, still), sliced);
      // A smaller match: labelsOf looks up its labels one by one, done here in slices for the query to take.
      this.lookedUpAhead = null;
      const looked = await runStepsSliced(this.lookupLabelsSteps(ids, inSnapshot, still, LOOKUP_IDS_PER_STEP), sliced);
      if (looked && still()) this.lookedUpAhead = { ids, labels: looked.labels };
    });
  }

  /** (embeddings.id, embedding_id) rows to (internal id, HNSW label), for the records that have a label. */
  private eachLabel(rows: Iterable<unknown>, take: (internalId: number, label: number) => void): void {
    const idToLabel = this.vectors().idToLabel;
    for (const [iid, eid] of rows as Iterable<[number, string]>) {
      const label = idToLabel.get(eid);
      if (label !== undefined) take(iid, label);
    }
  }

  userIdOf(internalId: number): string {
    const row = this.ctx.db.prepare('SELECT embedding_id AS id FROM embeddings WHERE id = ?').get(internalId) as { id: string } | undefined;
    return row?.id ?? `#${internalId}`;
  }

  private columns: SqlColumnSource | null = null;

  /** Cached metadata columns for fast filters; records replayed from the WAL are left out. */
  columnSource(): SqlColumnSource | null {
    const seg = this.catalog.metadataSegment;
    if (!seg) return null;
    this.columns ??= new SqlColumnSource(this.ctx.db, this.ctx.filterContext, seg.id, this.overlay().shadowedInternalIds, 1, () => this.segmentRows());
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
    this.lookedUpAhead = null;
    this.dropPreparedLoad();
    this.firstQueryOffered = false;
    this.checkedFiles = undefined;
    this.summaryCache = undefined;
    this.labelByInternal = null;
    this.labelLookups = 0;
    this.previewCache = undefined;
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

/** embeddings.id → HNSW label (undefined: the record has no vector). */
export interface LabelByInternalId {
  get(internalId: number): number | undefined;
}

/** Whether two lists of internal ids are the same, in the same order. */
function sameIds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether an error is the CANCELLED a stopped slice throws (util/steps.ts). */
function isCancelled(err: unknown): boolean {
  return err instanceof InspectorError && err.code === 'CANCELLED';
}

/**
 * Waits for work another caller started (its outcome is that caller's), or stops with CANCELLED
 * when this caller's own signal is aborted first.
 */
function settledOrCancelled(work: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  const settled = work.then(
    () => undefined,
    () => undefined,
  );
  if (!signal) return settled;
  throwIfAborted(signal);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    void settled.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
