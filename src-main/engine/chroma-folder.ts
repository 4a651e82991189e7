import type { ActivityInfo, CollectionInfo, CollectionRef, FolderInfo, GetResult, QueryResult, DiffReport, EmbeddingMap, MapColors, RecallReport, TableSize, TenantInfo, WhyNotAnswer } from '../../shared/models.js';
import { InspectorError } from '../../shared/errors.js';
import { guardSqlite, type SqliteDatabase } from './sqlite/connection.js';
import { tableSizeSteps } from './sqlite/table-sizes.js';
import { openFolderContext } from './folder/open-folder.js';
import { describeFolder } from './folder/diagnostics.js';
import { DEFAULT_DATABASE, DEFAULT_TENANT, readCatalog, type Catalog } from './catalog/read-catalog.js';
import { CollectionReader, PREPARED_IDLE_MS } from './collection/collection-reader.js';
import type { FolderContext } from './collection/folder-context.js';
import { countTuning } from './collection/segment-records.js';
import { validateGetArgs, validateQueryArgs } from './query/validate-args.js';
import { getResult } from './query/get-result.js';
import { runQuery } from './query/run-query.js';
import { freshTurnIfSpent, runStepsSliced, type SliceOptions } from './util/steps.js';
import { holdForCalls } from './util/idle-slices.js';
import { getAhead, mapAhead, queryAhead, vectorsAhead, whyNotAhead, type MapAheadOptions } from './ahead/calls-ahead.js';
import { whyNot } from './query/why-not.js';
import { checkRecallOptions, recallReport, recallReportSteps, type RecallOptions } from './quality/recall.js';
import { diffFolders, type FolderDiffOptions } from './diff/diff-folders.js';
import { colorsFor, embeddingMap, mapColors, mapLabels, projectOnMap } from './map/embedding-map.js';
import { idsOfPoints, pointsOfIds } from './map/map-ids.js';
import { projectOnUmap, umapLabels, umapMap, type UmapProgress } from './map/umap-map.js';
import type { SearchOptions } from './collection/vector-state.js';
import type { CoverageOptions } from './collection/vector-coverage.js';
import { cachedStatement } from './sqlite/statement-cache.js';
import { stopOffThreadReads } from './sqlite/off-thread-read.js';

/** Options of ChromaFolder.query beyond the chromadb client's arguments. */
export type QueryOptions = SearchOptions & CoverageOptions;

/**
 * Runs `fn` in one read transaction on a read-only connection, or inside the one already open.
 * BEGIN DEFERRED takes no lock by itself: the first read does, and from then on every statement
 * (and PRAGMA data_version) sees the same committed state until COMMIT releases it. COMMIT of a
 * read transaction writes nothing.
 */
function inReadTransaction<T>(db: SqliteDatabase, fn: () => T): T {
  if (db.inTransaction) return fn();
  db.exec('BEGIN DEFERRED');
  try {
    cachedStatement(db, 'SELECT count(*) FROM sqlite_master').get();
    return fn();
  } finally {
    // An error inside may already have ended the transaction.
    if (db.inTransaction) db.exec('COMMIT');
  }
}

/** How often work ahead of a call starts again on a new reader when the data changes under it. */
const AHEAD_ATTEMPTS = 3;

/**
 * An open Chroma persistent folder, read-only. Everything a user can see goes through here; the
 * folder is never written (no journal, no side files, no migrations). This is the facade: the
 * open checks live in folder/open-folder.ts, answer shapes in query/, the overview and its
 * problems in folder/diagnostics.ts.
 */
export class ChromaFolder {
  private readonly readers = new Map<string, CollectionReader>();
  private catalogState: Catalog;
  private dataVersion: number;

  private constructor(
    readonly ctx: FolderContext,
    catalog: Catalog,
    dataVersion: number,
  ) {
    this.catalogState = catalog;
    this.dataVersion = dataVersion;
    this.buildReaders();
  }

  get catalog(): Catalog {
    return this.catalogState;
  }

  private buildReaders() {
    for (const reader of this.readers.values()) reader.retire();
    this.readers.clear();
    for (const c of this.catalogState.collections) this.readers.set(c.id, new CollectionReader(this.ctx, c, (fn) => this.snapshot(fn)));
  }

  private readDataVersion(): number {
    return Number(cachedStatement(this.ctx.db, 'PRAGMA data_version', 'pluck').get());
  }

  /**
   * Re-reads the catalog and drops every collection's cached state (WAL overlay, vectors, column
   * caches), so reads see what was committed since. The embedded client calls it after writes.
   */
  refresh(): void {
    // One snapshot: the catalog must be the one the recorded data_version stands for.
    guardSqlite(this.ctx.sqliteFile, () =>
      inReadTransaction(this.ctx.db, () => {
        this.dataVersion = this.readDataVersion();
        this.catalogState = readCatalog(this.ctx.db, this.ctx.probe);
      }),
    );
    this.buildReaders();
  }

  /**
   * Another process (a running Chroma) may have committed since we last looked: SQLite's
   * data_version says so cheaply, and then everything is rebuilt on next use.
   */
  refreshIfChanged(): boolean {
    return guardSqlite(this.ctx.sqliteFile, () =>
      inReadTransaction(this.ctx.db, () => {
        if (this.readDataVersion() === this.dataVersion) return false;
        this.refresh();
        return true;
      }),
    );
  }

  /**
   * Runs `commit` — a write of this process's own, on another connection, that changes nothing a
   * reader shows (WAL rows below every checkpoint purged) — and keeps the readers and their
   * caches: the data_version it moves is taken as seen. Unless something else had committed before
   * it: then the next read refreshes, as after any change.
   */
  keepReadersAcross<T>(commit: () => T): T {
    const current = () => guardSqlite(this.ctx.sqliteFile, () => inReadTransaction(this.ctx.db, () => this.readDataVersion()));
    const unchanged = this.ctx.db.open && current() === this.dataVersion;
    const result = commit();
    if (unchanged && this.ctx.db.open) this.dataVersion = current();
    return result;
  }

  static open(path: string): ChromaFolder {
    return openFolderContext(path, (ctx) =>
      // The catalog and the data_version it belongs to come from one snapshot, or a commit between
      // them would leave a stale catalog looking current.
      inReadTransaction(ctx.db, () => {
        const dataVersion = Number(ctx.db.pragma('data_version', { simple: true }));
        return new ChromaFolder(ctx, readCatalog(ctx.db, ctx.probe), dataVersion);
      }),
    );
  }

  get dir(): string {
    return this.ctx.dir;
  }

  get db(): SqliteDatabase {
    return this.ctx.db;
  }

  close(): void {
    // Background loads stop mapping memory for loads that will not happen now (prepared-load.ts), and work ahead stops.
    for (const reader of this.readers.values()) reader.retire();
    // A read worker is ended too: mid-read, it lets go of the file when SQLite returns from its statement.
    stopOffThreadReads(this.ctx.db);
    if (this.ctx.db.open) this.ctx.db.close();
  }

  /**
   * Runs one logical read against one consistent state of chroma.sqlite3 (docs/format.md §8.2):
   * a single read transaction holds the snapshot, the cached state is rebuilt inside it when
   * another process committed since, and the transaction ends as soon as `fn` returns, so a
   * running Chroma is held up no longer than the call. Nested calls join the outer snapshot.
   */
  snapshot<T>(fn: () => T): T {
    return guardSqlite(this.ctx.sqliteFile, () =>
      inReadTransaction(this.ctx.db, () => {
        this.refreshIfChanged();
        return fn();
      }),
    );
  }

  private guard<T>(fn: () => T): T {
    return this.snapshot(fn);
  }

  collectionReaders(): CollectionReader[] {
    this.refreshIfChanged();
    return [...this.readers.values()];
  }

  /** Finds a collection by name within a tenant/database (defaults: default_tenant/default_database), or by id. */
  collection(ref: CollectionRef | string): CollectionReader {
    this.refreshIfChanged();
    if (typeof ref === 'string') {
      const r = this.readers.get(ref);
      if (!r) throw new InspectorError('NOT_FOUND', `Collection ${ref} does not exist`, { id: ref });
      return r;
    }
    const tenant = ref.tenant ?? DEFAULT_TENANT;
    const database = ref.database ?? DEFAULT_DATABASE;
    const found = this.collectionReaders().find(
      (r) => r.catalog.name === ref.name && r.catalog.tenant === tenant && r.catalog.database === database,
    );
    if (!found) {
      const elsewhere = this.collectionReaders().filter((r) => r.catalog.name === ref.name);
      const hint = elsewhere.length
        ? ` (a collection of that name exists in ${elsewhere.map((r) => `${r.catalog.tenant}/${r.catalog.database}`).join(', ')})`
        : '';
      throw new InspectorError('NOT_FOUND', `Collection ${ref.name} does not exist in ${tenant}/${database}${hint}`, {
        name: ref.name,
        tenant,
        database,
      });
    }
    return found;
  }

  count(ref: CollectionRef | string): number {
    return this.guard(() => this.collection(ref).count());
  }

  get(ref: CollectionRef | string, args: unknown): GetResult {
    const spec = validateGetArgs(args);
    return this.guard(() => getResult(this.collection(ref), spec));
  }

  /**
   * What a get (chromadb `get` arguments) would do in one piece, done ahead in slices
   * (ahead/calls-ahead.ts) for a caller whose thread serves others (serve's get and records grid,
   * the embedded client's get): its filter's caches, the vector load when it returns
   * embeddings, and then the page it returns, kept for get() to take. `page: false`: not the page,
   * for a caller that reads its own (the records grid: its sorted, counted windows of the same
   * filter). Arguments the get would refuse are left to it to report.
   */
  async prepareGet(ref: CollectionRef | string, args: unknown, slice: SliceOptions = {}, opts: { page?: boolean } = {}): Promise<void> {
    let spec: ReturnType<typeof validateGetArgs>;
    try {
      spec = validateGetArgs(args);
    } catch {
      return;
    }
    await this.aheadOnCurrentReader(ref, (reader, inSnapshot) => getAhead(reader, spec, slice, inSnapshot, opts.page !== false));
  }

  /**
   * Runs work ahead on a collection's reader; when the data changed meanwhile (the folder then
   * replaces its readers, and the work for the old one stops), again on the new reader, a few
   * times at most. Nothing once the folder is closed: the call that follows reports that.
   */
  private async aheadOnCurrentReader(ref: CollectionRef | string, work: (reader: CollectionReader, inSnapshot: <T>(fn: () => T) => T) => Promise<void>): Promise<void> {
    const inSnapshot = <T>(fn: () => T): T => this.snapshot(fn);
    // Metadata columns built in the background wait while the work ahead and the call run
    // (holdForCalls; ~20 ms a page at a million records, between the call's steps). Not every
    // deferrable job (holdDeferrableWork): a call that joins the vector load a first query left
    // waits for the kept id map's compaction, which is deferrable, and would wait for its own
    // hold (a second query 3 s after the first took 1–3 s).
    const release = holdForCalls();
    try {
      for (let attempt = 0; attempt < AHEAD_ATTEMPTS && this.ctx.db.open; attempt++) {
        const reader = this.guard(() => this.collection(ref));
        await work(reader, inSnapshot);
        if (!reader.isRetired) break;
      }
      // The call's own part follows in this turn: not after a stretch of work ahead that used it up.
      await freshTurnIfSpent();
    } finally {
      // The call itself runs before the next timer: released now, held through it.
      release();
    }
  }

  /**
   * Chroma's query, answered as Chroma answers it (through its HNSW graph). `{ exact: true }`
   * answers by brute force over every visible vector instead: the true nearest neighbours.
   */
  query(ref: CollectionRef | string, args: unknown, opts: QueryOptions = {}): QueryResult {
    const spec = validateQueryArgs(args);
    return this.guard(() => {
      const reader = this.collection(ref);
      const answer = runQuery(reader, spec, opts);
      if (this.finishLoadsReleaseMs !== null) reader.finishLoadWhenFilled((fn) => this.snapshot(fn), this.finishLoadsReleaseMs);
      return answer;
    });
  }

  /** Set by finishLoadsWhenIdle: how long vectors loaded while idle wait for a call before they are let go. */
  private finishLoadsReleaseMs: number | null = null;

  /**
   * For a caller whose calls all go through the prepare methods first (the embedded client,
   * serve): a first query answered from the files leaves the vector load to a background copy
   * (collection/background-load-slot.ts); once that copy is done, the rest of the load (the
   * vectors' table, the graph's links, its warm-up: ~250 ms at a million vectors) runs ahead in
   * slices of this thread, as prepareVectors does, so that the next query finds it done. A call
   * that comes meanwhile joins it through its own prepare. Vectors no call takes within
   * `releaseAfterMs` (the copy's own idle time, ten minutes) are let go again. A caller that
   * calls query() without preparing would load beside it instead, so this is off unless asked for.
   */
  finishLoadsWhenIdle(releaseAfterMs = PREPARED_IDLE_MS): void {
    this.finishLoadsReleaseMs = releaseAfterMs;
  }

  /**
   * What a query's answer needs that can be done ahead of it in slices of the thread, for a
   * caller whose thread serves others meanwhile (the embedded client, serve): for a collection's
   * first plain search, the checks of its checkpoint's files (a second at a million vectors);
   * for any other search (or a first one the files cannot answer), the vector load and the graph;
   * for a filter, the metadata columns and the labels table it would build.
   * The query itself follows; nothing else is needed for a correct answer.
   */
  async prepareQuery(ref: CollectionRef | string, args: unknown, opts: QueryOptions = {}, slice: SliceOptions = {}): Promise<void> {
    const spec = validateQueryArgs(args);
    await this.aheadOnCurrentReader(ref, (reader, inSnapshot) => queryAhead(reader, spec, opts, slice, inSnapshot));
  }

  /** What whyNot would do in one piece (the vector load, the graph, the filter's caches), done ahead in slices. */
  async prepareWhyNot(ref: CollectionRef | string, args: unknown, slice: SliceOptions = {}): Promise<void> {
    const spec = validateQueryArgs(args);
    await this.aheadOnCurrentReader(ref, (reader, inSnapshot) => whyNotAhead(reader, spec, slice, inSnapshot));
  }

  /**
   * The vector load (with the graph, `forQuery`) of a call that reads the vectors, done ahead in
   * slices: the recall lab, UMAP, an export of embeddings.
   */
  async prepareVectors(ref: CollectionRef | string, opts: { forQuery: boolean }, slice: SliceOptions = {}): Promise<void> {
    await this.aheadOnCurrentReader(ref, (reader, inSnapshot) => vectorsAhead(reader, opts, slice, inSnapshot));
  }

  /**
   * count()'s work ahead in slices: a large collection's rows in SQLite counted in ranges of ids
   * (in one piece, a count holds the thread ~40 ms at a million records, ~170 ms at five million,
   * and a second when the file is read from disk), or in one piece up to two million ids when the
   * file is in the page cache (countTuning). The count itself follows.
   */
  async prepareCount(ref: CollectionRef | string, slice: SliceOptions = {}): Promise<void> {
    await this.aheadOnCurrentReader(ref, async (reader, inSnapshot) => {
      const how = { onePieceBelowIds: countTuning.prepareCountOnePieceBelowIds, onePieceCachedBelowIds: countTuning.prepareCountOnePieceCachedBelowIds };
      await reader.ahead(slice, (sliced) => runStepsSliced(reader.countSteps(inSnapshot, how), sliced));
    });
  }

  /**
   * The embedding map's work ahead in slices: the vector load, the PCA map unless `project` is
   * false (kept for embeddingMap and projectOnMap; mapIds and mapPoints need only the vectors),
   * and for `colorKey` what the colours read.
   */
  async prepareMap(ref: CollectionRef | string, opts: MapAheadOptions, slice: SliceOptions = {}): Promise<void> {
    await this.aheadOnCurrentReader(ref, (reader, inSnapshot) => mapAhead(reader, opts, slice, inSnapshot));
  }

  /**
   * Why record `id` is not among the results of a query (chromadb client arguments, one query
   * vector): filtered out (which leaf, with its value), ranked below k, or missed by the index.
   */
  whyNot(ref: CollectionRef | string, args: unknown, id: string): WhyNotAnswer {
    const spec = validateQueryArgs(args);
    return this.guard(() => whyNot(this.collection(ref), spec, id));
  }

  /**
   * The recall lab: recall@k of Chroma's graph search against exact search for a sample of the
   * collection's own vectors, across a sweep of ef, with flags on its vectors and advice.
   */
  recall(ref: CollectionRef | string, opts: RecallOptions): RecallReport {
    return this.guard(() => recallReport(this.collection(ref), opts));
  }

  /**
   * The recall lab for a caller whose thread serves others: the vectors loaded ahead, then the
   * searches in slices (cancelled by `slice.signal`, its progress to `slice.report`).
   */
  async recallSliced(ref: CollectionRef | string, opts: RecallOptions, slice: SliceOptions = {}): Promise<RecallReport> {
    checkRecallOptions(opts);
    await this.prepareVectors(ref, { forQuery: true }, slice);
    // Loaded in one snapshot here if the load ahead did not (it failed, and the load reports why).
    const reader = this.guard(() => {
      const r = this.collection(ref);
      r.vectors({ forQuery: true });
      return r;
    });
    // The searches read only the loaded vectors: no snapshot is held across slices.
    return runStepsSliced(recallReportSteps(reader, opts), slice);
  }

  /** What changed from this folder to `other`, collection by collection (docs/diff.md). Both are only read. */
  diff(other: ChromaFolder, opts: FolderDiffOptions): DiffReport {
    return this.guard(() => other.guard(() => diffFolders(this, other, opts)));
  }

  /** The collection's vectors in 2-D by PCA (cached until the folder changes; docs/embedding-map.md). */
  embeddingMap(ref: CollectionRef | string, maxPoints?: number): EmbeddingMap {
    return this.guard(() => embeddingMap(this.collection(ref), maxPoints));
  }

  /** The UMAP layout of the collection (a worker; progress and cancel), cached like the PCA map. */
  async umapMap(ref: CollectionRef | string, signal: AbortSignal, progress: UmapProgress): Promise<EmbeddingMap> {
    const reader = this.guard(() => this.collection(ref));
    return (await umapMap(reader, signal, progress)).map;
  }

  /** Colours for the UMAP layout's points by a metadata key (the layout itself is not needed). */
  umapColors(ref: CollectionRef | string, key: string): MapColors {
    return this.guard(() => {
      const reader = this.collection(ref);
      return colorsFor(reader, { labels: umapLabels(reader) }, key);
    });
  }

  /**
   * Where a query vector falls on the UMAP layout. The layout is made first when this engine has
   * none (a pool's other engine made it): it is deterministic, so it is the one the map shows.
   */
  async projectOnUmap(ref: CollectionRef | string, vector: readonly number[], signal: AbortSignal, progress: UmapProgress): Promise<[number, number]> {
    const reader = this.guard(() => this.collection(ref));
    const built = await umapMap(reader, signal, progress);
    return this.guard(() => projectOnUmap(reader, built, vector));
  }

  /** Colours for the embedding map by a metadata key. */
  mapColors(ref: CollectionRef | string, key: string, maxPoints?: number): MapColors {
    return this.guard(() => mapColors(this.collection(ref), key, maxPoints));
  }

  /** Where a query vector falls on the collection's embedding map. */
  projectOnMap(ref: CollectionRef | string, vector: readonly number[], maxPoints?: number): [number, number] {
    return this.guard(() => projectOnMap(this.collection(ref), vector, maxPoints));
  }

  /**
   * The record ids of map points, by index (for a map sent without its ids). This engine need not
   * have made the map: its points are the same on every engine (mapLabels, umapLabels).
   */
  mapIds(ref: CollectionRef | string, method: EmbeddingMap['method'], points: readonly number[], maxPoints?: number): string[] {
    return this.guard(() => {
      const reader = this.collection(ref);
      return idsOfPoints(reader, method === 'umap' ? umapLabels(reader) : mapLabels(reader, maxPoints), points);
    });
  }

  /** The map point of each record id (null: not drawn, e.g. outside the map's sample). */
  mapPoints(ref: CollectionRef | string, method: EmbeddingMap['method'], ids: readonly string[], maxPoints?: number): (number | null)[] {
    return this.guard(() => {
      const reader = this.collection(ref);
      return pointsOfIds(reader, method === 'umap' ? umapLabels(reader) : mapLabels(reader, maxPoints), ids);
    });
  }

  collectionInfo(ref: CollectionRef | string): CollectionInfo {
    return this.guard(() => this.collection(ref).info());
  }

  tenants(): TenantInfo[] {
    return this.guard(() =>
      this.catalog.tenants.map((tenant) => ({
        name: tenant,
        databases: this.catalog.databases
          .filter((d) => d.tenant === tenant)
          .map((d) => ({
            id: d.id,
            name: d.name,
            tenant,
            collections: this.collectionReaders()
              .filter((r) => r.catalog.tenant === tenant && r.catalog.database === d.name)
              .sort((a, b) => a.catalog.name.localeCompare(b.catalog.name))
              .map((r) => ({
                id: r.id,
                name: r.catalog.name,
                tenant,
                database: d.name,
                dimension: r.dimension,
                count: this.safeCount(r),
              })),
          })),
      })),
    );
  }

  private safeCount(r: CollectionReader): number {
    try {
      return r.count();
    } catch {
      return -1;
    }
  }

  /** Rows and bytes of every table, one table at a time (sqlite/table-sizes.ts). */
  tableSizesStepwise(): Generator<{ size: TableSize; done: number; total: number }> {
    return tableSizeSteps(this.ctx.db, this.ctx.probe, (fn) => this.guard(fn));
  }

  tableSizes(): TableSize[] {
    return [...this.tableSizesStepwise()].map((s) => s.size);
  }

  /**
   * The folder overview with every problem found (folder/diagnostics.ts). `activity`: signs of
   * use found already (detectActivityOffThread), else looked for here.
   */
  info(opts: { activity?: ActivityInfo } = {}): FolderInfo {
    return this.guard(() => describeFolder(this, opts.activity));
  }
}
