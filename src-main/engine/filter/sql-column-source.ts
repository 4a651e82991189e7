import type { SqliteDatabase } from '../sqlite/connection.js';
import { compileLeafLegs, compileWhere, type CompiledSql, type SqlFilterContext } from './compile-sql.js';
import { sqlLeafPages } from './sql-leaf-pages.js';
import { IdBitset } from './id-bitset.js';
import { segmentIdRange, tableIdBounds } from '../collection/segment-records.js';
import { columnReader, type ColumnRow } from './column-reader.js';
import { columnUses, executeBitsetSteps, sqlLeafCounts, type ColumnSource, type ScalarColumn } from './execute-bitset.js';
import { isCancelled } from '../util/shared-wait.js';
import type { WhereNode } from './where-ast.js';
import { runSteps, runStepsSliced, type SliceOptions, type Steps } from '../util/steps.js';
import { takePageRuns } from '../sqlite/rows-by-id.js';
import { BackgroundBuilds } from '../util/background-builds.js';
import { backgroundTurns } from '../util/idle-slices.js';

/** SQL leaves kept with their matches (a bit per record: 625 KB each at five million, 20 MB for all). */
const MAX_CACHED_LEAVES = 32;
/**
 * SQL leaves of one filter read ahead at most (SqlColumnSource.ahead): more would push each other
 * (and other callers' leaves) out of the cache before the call reads them. Such a filter is left
 * to its call.
 */
const MAX_LEAVES_AHEAD = 16;
const MAX_CACHED_COLUMNS = 16;
/** Rows of a column read per step by columnSteps (~20 ms at a million records). */
const COLUMN_ROWS_PER_STEP = 10_000;

/**
 * `backgroundFromRows`: a segment with this many rows or more builds a key's column in the
 * background (SqlColumnSource.buildInBackground) instead of before the call that would use it.
 * Tests lower it to drive fixtures through that path.
 */
export const columnTuning = { backgroundFromRows: 100_000 };

/**
 * The widest range of internal ids the bit sets span (32 MB a set). A set is one bit per id from
 * the segment's lowest to its highest, indexed with 32-bit arithmetic: a folder whose ids spread
 * wider (rowids edited or skipped far ahead; Chroma's own grow by one per record) would need
 * gigabytes, and past 2^32 would alias ids. Such a segment's filters go through SQL instead.
 */
export const MAX_BITSET_SPAN = 2 ** 28;

/** A row of embedding_metadata as a column reads it: id, string, int, float, bool. */

/**
 * Metadata columns of one metadata segment, read from SQLite once per key and kept (a few MB per
 * key per million records), so repeated filters cost a pass over typed arrays instead of SQL.
 * Callers drop the instance when the database changes.
 */
export class SqlColumnSource implements ColumnSource {
  private universeCache: IdBitset | null = null;
  private readonly columns = new Map<string, ScalarColumn>();
  private readonly leaves = new Map<string, IdBitset>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly ctx: SqlFilterContext,
    private readonly segmentId: string,
    /** Internal ids to leave out (records whose state comes from the WAL tail instead). */
    private readonly excluded: ReadonlySet<number> = new Set(),
    /**
     * Uses of a key answered through SQL (its indexes) before its column is built. A column costs a
     * scan of every metadata row (seconds at a million records) and pays off on repeated filters;
     * a filter used once is answered sooner by the index.
     */
    private readonly sqlUsesBeforeColumn = 0,
    /** The segment's row count, when the caller keeps it (otherwise counted here). */
    private readonly segmentRows?: () => number,
    /**
     * Where a call that was not prepared ahead (ChromaFolder's own calls) starts a large
     * segment's column build at the key's second use, rather than building it in the call: the
     * folder's snapshot, for pages read after the call, and whether this source is still current.
     * Without it, such a call builds the column in one piece, as before.
     */
    private readonly laterBuilds?: { inSnapshot: <T>(fn: () => T) => T; current: () => boolean },
  ) {}

  private readonly uses = new Map<string, number>();
  private fits: boolean | undefined;

  /**
   * Whether the segment's ids span at most MAX_BITSET_SPAN (bit sets can hold them). The table's
   * own bounds answer at once for every folder Chroma wrote; only a table spread wider asks for
   * the segment's bounds.
   */
  bitsetsFit(): boolean {
    if (this.fits === undefined) {
      const table = tableIdBounds(this.db);
      if (!table || table.last - table.first + 1 <= MAX_BITSET_SPAN) this.fits = true;
      else {
        const own = this.db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM embeddings WHERE segment_id = ?').safeIntegers(false).get(this.segmentId) as { lo: number | null; hi: number | null };
        this.fits = own.lo === null || own.hi === null || own.hi - own.lo + 1 <= MAX_BITSET_SPAN;
      }
    }
    return this.fits;
  }

  universe(): IdBitset {
    if (!this.universeCache) {
      const range = segmentIdRange(this.db, this.segmentId, this.segmentRows);
      if (range) {
        const set = IdBitset.full(range.first, range.count);
        for (const id of this.excluded) set.remove(id);
        this.universeCache = set;
        return set;
      }
      const ids = this.db.prepare('SELECT id FROM embeddings WHERE segment_id = ?').pluck().safeIntegers(false).all(this.segmentId) as number[];
      let lo = Infinity;
      let hi = -Infinity;
      for (const id of ids) {
        if (id < lo) lo = id;
        if (id > hi) hi = id;
      }
      const set = ids.length === 0 ? new IdBitset(0, 1) : new IdBitset(lo, hi - lo + 1);
      for (const id of ids) if (!this.excluded.has(id)) set.add(id);
      this.universeCache = set;
    }
    return this.universeCache;
  }

  /**
   * This source as a filter evaluated ahead of the call that will use it sees it
   * (executeBitsetSteps, run in slices): columns as cached, none counted as a use or built; each
   * SQL leaf read in pages (sqlLeafPages), each page in `inSnapshot`, its matches kept for the
   * call. The caller drops the result when the data changed meanwhile (its folder then retires
   * this source's reader).
   */
  ahead(inSnapshot: <T>(fn: () => T) => T, rowsPerStep?: number): ColumnSource {
    return {
      universe: () => inSnapshot(() => this.universe()),
      scalarColumn: (key) => this.columns.get(key) ?? null,
      sqlLeaf: (node) => inSnapshot(() => this.sqlLeaf(node)),
      sqlLeafSteps: (node) => this.pagedLeafSteps(node, inSnapshot, rowsPerStep),
    };
  }

  /**
   * How many leaves a filter's call would ask SQLite for now (sqlLeafCounts), to read ahead; null
   * when the filter answers more leaves through SQLite than are read ahead (MAX_LEAVES_AHEAD:
   * cached or not, they would push each other out before the call), or telling fails (a bad
   * regex: the call reports it).
   */
  leavesToReadAhead(filter: WhereNode, inSnapshot: <T>(fn: () => T) => T): number | null {
    try {
      return inSnapshot(() => {
        const { all, uncached } = sqlLeafCounts(filter, this);
        return all > MAX_LEAVES_AHEAD ? null : uncached;
      });
    } catch {
      return null;
    }
  }

  /**
   * A filter's matches evaluated ahead in slices (executeBitsetSteps over `ahead`), its SQL leaves
   * kept for the call. Null when the evaluation fails: the call evaluates it again and reports
   * the error. A cancel stops it with CANCELLED.
   */
  async matchesAhead(filter: WhereNode, inSnapshot: <T>(fn: () => T) => T, slice: SliceOptions): Promise<IdBitset | null> {
    try {
      return await runStepsSliced(executeBitsetSteps(filter, this.ahead(inSnapshot)), slice);
    } catch (err) {
      if (isCancelled(err)) throw err;
      return null;
    }
  }

  /** Whether the key's column is cached. */
  hasColumn(key: string): boolean {
    return this.columns.has(key);
  }

  /** Whether a leaf's matches are cached (sqlLeaf would not query SQLite). */
  leafCached(node: WhereNode): boolean {
    return this.leaves.has(leafKey(compileWhere(node, this.ctx)));
  }

  scalarColumn(key: string): ScalarColumn | null {
    const col = this.columns.get(key);
    if (col) {
      this.columns.delete(key);
      this.columns.set(key, col); // most recently used last
      return col;
    }
    // Through SQL while the column is built in slices or in the background, as at the key's first
    // use; unless the background build is stalled (buildStalled), which this call then finishes.
    if (this.building(key) && !this.buildStalled(key)) return null;
    if (this.building(key)) return this.column(key);
    const used = (this.uses.get(key) ?? 0) + 1;
    this.uses.set(key, used);
    if (used <= this.sqlUsesBeforeColumn) return null;
    // A large segment's column in the background, as a prepared call's (buildInBackground says
    // why), and this call through SQL: a synchronous caller gave no chance to build it ahead.
    if (this.laterBuilds && this.buildsInBackground()) {
      this.buildInBackground(key, this.laterBuilds.inSnapshot, this.laterBuilds.current);
      this.slicesAtLastUse.set(key, backgroundTurns());
      return null;
    }
    return this.column(key);
  }

  /**
   * Per key whose background build an unprepared call started (scalarColumn): the background
   * turns (backgroundTurns) when the key was last used through SQL.
   */
  private readonly slicesAtLastUse = new Map<string, number>();

  /**
   * Whether the key's background build, started by an unprepared call, has had no chance to run:
   * no idle slice of any background work, nor a prepared call's hold of it (which keeps it back
   * on purpose), since the key's last use through SQL (backgroundTurns). Synchronous calls
   * back to back (a script looping over ChromaFolder's calls) give the thread no turn, and every
   * one of them would go through SQL (~0.2 s a get at a million records) where the column
   * answers in ms. Such a use builds the column itself, as before background builds: the caller
   * pays one use through SQL more than it used to.
   */
  private buildStalled(key: string): boolean {
    const before = this.slicesAtLastUse.get(key);
    if (before === undefined || !this.background.has(key)) return false;
    const now = backgroundTurns();
    this.slicesAtLastUse.set(key, now);
    return before === now;
  }

  /** Whether the segment is large enough that its columns are built in the background (columnTuning). */
  buildsInBackground(): boolean {
    return this.rowCount() >= columnTuning.backgroundFromRows;
  }

  /** The segment's rows in `embeddings`: the caller's kept count, or counted here. */
  private rowCount(): number {
    return this.segmentRows?.() ?? (this.db.prepare('SELECT count(*) FROM embeddings WHERE segment_id = ?').pluck().safeIntegers(false).get(this.segmentId) as number);
  }

  /**
   * Counts the uses of keys a filter's evaluation would count (scalarColumn), for a call that took
   * its answer from work done ahead instead: a key then gets its column at the next use, built ahead.
   */
  noteUses(filter: WhereNode): void {
    for (const [key, times] of columnUses(filter)) if (!this.columns.has(key)) this.uses.set(key, (this.uses.get(key) ?? 0) + times);
  }

  /** The key's column over the segment's records, built now if it is not cached (the embedding map's colours). */
  column(key: string): ScalarColumn {
    const col = this.columns.get(key);
    if (col) return col;
    this.background.stop(key);
    if (!this.bitsetsFit()) return this.keep(key, this.segmentColumn(key));
    // The steps' pages, run through at once (takePageRuns reads them fastest).
    runSteps(this.columnSteps(key, (fn) => fn(), () => true));
    return this.columns.get(key)!;
  }

  /**
   * The key's column read through the segment's rows, for a segment whose ids spread too wide for
   * bit sets (bitsetsFit): its filters go through SQL, but the embedding map still colours by it.
   */
  private segmentColumn(key: string): ScalarColumn {
    const reader = columnReader(this.db, this.ctx.hasBoolColumn, key, this.rowCount());
    const stmt = this.db.prepare(`${reader.select} AND id IN (SELECT id FROM embeddings WHERE segment_id = ?) ORDER BY id`).raw(true).safeIntegers(false);
    for (const row of stmt.iterate(key, this.segmentId)) reader.take(row as ColumnRow);
    return reader.finish();
  }

  /** Whether a filter that uses `key` `times` over would build its column now (scalarColumn). */
  columnWouldBuild(key: string, times = 1): boolean {
    return !this.columns.has(key) && !this.building(key) && (this.uses.get(key) ?? 0) + times > this.sqlUsesBeforeColumn;
  }

  private readonly background = new BackgroundBuilds();

  /** Builds under way in slices (columnSteps) by key: a second caller does not build the same column again meanwhile. */
  private readonly inSlices = new Map<string, number>();

  /** Whether the key's column is being built, in a caller's slices or in the background. */
  private building(key: string): boolean {
    return this.inSlices.has(key) || this.background.has(key);
  }

  /**
   * Builds the key's column in idle slices (columnSteps, one page a slice), for later filters to
   * read; until it is kept, filters on the key go through SQL (scalarColumn answers null), as at
   * the key's first use, and count no use. For a large segment, where the call that would build
   * it first should not wait for it: a key's rows are spread through embedding_metadata (keyed by
   * id, then key), and five million of them take 9–13 s to read against ~1 s for one filter
   * through the key's index. It stops, keeping nothing, once `current` says the data changed,
   * on stopBackgroundBuilds, or on a failure (the key's next use starts it again).
   */
  buildInBackground(key: string, inSnapshot: <T>(fn: () => T) => T, current: () => boolean): void {
    if (this.columns.has(key)) return;
    this.slicesAtLastUse.delete(key);
    this.background.start(key, (running) => this.columnSteps(key, inSnapshot, () => running() && current()));
  }

  /** Whether the key's column is being built in the background (buildInBackground). */
  buildingInBackground(key: string): boolean {
    return this.background.has(key);
  }

  /** Stops the key's background build, or (no key) every one: nothing of them is kept. */
  stopBackgroundBuilds(key?: string): void {
    if (key === undefined) this.background.stopAll();
    else this.background.stop(key);
  }

  /**
   * column() as steps (util/steps.ts), for a caller that gives its thread back between them: the
   * segment's rows `rowsPerStep` at a time, each page in `inSnapshot` (a fresh read
   * transaction). `current` says whether the data is still the one this source was made for
   * (its folder rebuilds its readers when it changes): once it is not, the steps stop, and
   * nothing is kept.
   */
  *columnSteps(key: string, inSnapshot: <T>(fn: () => T) => T, current: () => boolean, rowsPerStep = COLUMN_ROWS_PER_STEP): Steps<void> {
    if (this.columns.has(key)) return;
    this.inSlices.set(key, (this.inSlices.get(key) ?? 0) + 1);
    try {
      yield* this.columnPages(key, inSnapshot, current, rowsPerStep);
    } finally {
      const left = this.inSlices.get(key)! - 1;
      if (left > 0) this.inSlices.set(key, left);
      else this.inSlices.delete(key);
    }
  }

  private *columnPages(key: string, inSnapshot: <T>(fn: () => T) => T, current: () => boolean, rowsPerStep: number): Steps<void> {
    const { reader, page, first, last } = inSnapshot(() => {
      const u = this.universe();
      const reader = columnReader(this.db, this.ctx.hasBoolColumn, key, Math.min(u.count(), u.span));
      const page = this.db.prepare(`${reader.select} AND id > ? AND id <= ? ORDER BY id LIMIT ?`).raw(true).safeIntegers(false);
      return { reader, page, first: u.base, last: u.base + u.span - 1 };
    });
    for (let after = first - 1; ; ) {
      yield;
      if (!current()) return;
      const read = inSnapshot(() => takePageRuns((from, n) => page.all(key, from, last, n) as ColumnRow[], after, rowsPerStep, reader.take));
      if (read.rows < rowsPerStep) break;
      after = read.lastId;
    }
    if (current() && !this.columns.has(key)) this.keep(key, reader.finish());
  }

  private keep(key: string, col: ScalarColumn): ScalarColumn {
    this.columns.set(key, col);
    if (this.columns.size > MAX_CACHED_COLUMNS) this.columns.delete(this.columns.keys().next().value!);
    return col;
  }

  /**
   * A leaf through the SQL compiler. Positive leaves are `e.id IN (subquery)`: without a segment
   * condition SQLite drives the query from the subquery (an index or the trigram table) instead
   * of scanning the whole segment; the universe keeps this collection's ids.
   */
  sqlLeaf(node: WhereNode): IdBitset {
    const compiled = compileWhere(node, this.ctx);
    // The same leaf again (a document filter asked with another query vector, the grid's next
    // page) reuses its matches: this source lives as long as the folder's data does not change.
    const key = leafKey(compiled);
    return this.cachedLeaf(key) ?? this.keepLeaf(key, this.runSqlLeaf(node, compiled.sql, compiled.params));
  }

  /** sqlLeaf as steps, the leaf read in pages (sqlLeafPages) when its legs can be paged, each page in `inSnapshot`. */
  *pagedLeafSteps(node: WhereNode, inSnapshot: <T>(fn: () => T) => T, rowsPerStep?: number): Steps<IdBitset> {
    const compiled = compileWhere(node, this.ctx);
    const key = leafKey(compiled);
    const hit = this.cachedLeaf(key);
    if (hit) return hit;
    const legs = compileLeafLegs(node, this.ctx);
    if (!legs) return inSnapshot(() => this.keepLeaf(key, this.runSqlLeaf(node, compiled.sql, compiled.params)));
    const universe = inSnapshot(() => this.universe());
    return this.keepLeaf(key, yield* sqlLeafPages(this.db, legs, universe, this.excluded, inSnapshot, rowsPerStep, rowsPerStep));
  }

  /** A copy of a cached leaf's matches (the caller may change it), now the most recently used. */
  private cachedLeaf(key: string): IdBitset | null {
    const hit = this.leaves.get(key);
    if (!hit) return null;
    this.leaves.delete(key);
    this.leaves.set(key, hit);
    return hit.clone();
  }

  private keepLeaf(key: string, matches: IdBitset): IdBitset {
    this.leaves.set(key, matches.clone());
    if (this.leaves.size > MAX_CACHED_LEAVES) this.leaves.delete(this.leaves.keys().next().value!);
    return matches;
  }

  private runSqlLeaf(node: WhereNode, sql: string, params: unknown[]): IdBitset {
    const positive = (node.kind === 'contains' && !node.negate) || (node.kind === 'document' && 'negate' in node.doc && !node.doc.negate);
    const ids = (
      positive
        ? this.db.prepare(`SELECT e.id FROM embeddings e WHERE ${sql}`).pluck().safeIntegers(false).all(...params)
        : this.db.prepare(`SELECT e.id FROM embeddings e WHERE e.segment_id = ? AND (${sql})`).pluck().safeIntegers(false).all(this.segmentId, ...params)
    ) as number[];
    const out = IdBitset.empty(this.universe());
    for (const id of ids) if (!this.excluded.has(id)) out.add(id);
    return out.and(this.universe());
  }
}

/** A compiled leaf as the key its matches are cached under. */
function leafKey({ sql, params }: CompiledSql): string {
  return JSON.stringify([sql, params], (_, v: unknown) => (typeof v === 'bigint' ? { bigint: String(v) } : v));
}
