import type { SqliteDatabase, SqliteStatement } from '../sqlite/connection.js';
import type { LeafLegs, SqlLeg } from './compile-sql.js';
import { IdBitset } from './id-bitset.js';
import type { Steps } from '../util/steps.js';
import { readNumbersOffThread } from '../sqlite/off-thread-read.js';

/** Rows read per step, over all of a leaf's legs (~10–25 ms through an index at a million records). */
const ROWS_PER_STEP = 10_000;
/** Rows of a table scanned per step where no index narrows a leg (each row is read and tested). */
const SCAN_ROWS_PER_STEP = 4_096;
/**
 * About how long a page through an index, and a step, may take. A page of ROWS_PER_STEP rows
 * whose pages are not in the page cache (a folder just opened from disk) took 160–190 ms at 100k
 * records: pages then shrink to what fits in this time, and grow back when reads are fast again.
 */
const PAGE_MS = 20;
/** The fewest rows a page shrinks to, and the rows of a leg's first page (it grows from there). */
const MIN_PAGE_ROWS = 256;
const FIRST_PAGE_ROWS = 2_048;

type InSnapshot = <T>(fn: () => T) => T;
type IndexLeg = Extract<SqlLeg, { kind: 'index' }>;

/**
 * A leaf's matches (SqlColumnSource.sqlLeaf) read in steps, for a caller that gives its thread
 * back between them: the same ids as the one-piece `SELECT … WHERE e.id [NOT] IN (…)`, as a bit
 * set over `universe` without the `excluded` ids. Each leg is paged by a key its index is ordered
 * by, so a page is a seek, not a scan from the start:
 *
 * - an equality on an indexed column by rowid (the index is in rowid order within a value);
 * - a range on an indexed column by (value, rowid): the rest of the last page's value first,
 *   then the values above it (ints read as BigInts, so a value beyond 2^53 carries exactly);
 * - a leg on a column without an index (bool_value), and a LIKE or REGEXP over the full-text
 *   table, by fixed ranges of rowids, so a step reads a bounded number of rows however few match;
 * - a trigram MATCH by rowid for its first page only: FTS5 reads a phrase's doclists from the
 *   start for every query (a page after rowid r costs about as much as reading up to r), so a
 *   match with more rows than a page reads the rest in one piece, by a worker thread on its own
 *   connection (sqlite/off-thread-read.ts) while this thread waits in steps; on this thread
 *   where that cannot be.
 *
 * Pages of short legs (an `$in` of many values) share a step until it has read ROWS_PER_STEP
 * rows. Each page runs in `inSnapshot` (its own read transaction): the caller must drop the
 * result if the data changed meanwhile (the folder then retires its readers). A negated leaf is
 * the universe without the positive matches, as the one-piece NOT IN is.
 */
export function* sqlLeafPages(
  db: SqliteDatabase,
  leaf: LeafLegs,
  universe: IdBitset,
  excluded: ReadonlySet<number>,
  inSnapshot: InSnapshot,
  rowsPerStep = ROWS_PER_STEP,
  scanRows = SCAN_ROWS_PER_STEP,
  /** The clock pages and steps are timed by (tests give their own). */
  now: () => number = () => performance.now(),
): Steps<IdBitset> {
  const hits = IdBitset.empty(universe);
  const take = (id: number | bigint) => {
    const n = Number(id);
    if (!excluded.has(n)) hits.add(n);
  };
  const pages = new PageReader(db, inSnapshot, take, rowsPerStep, now);
  for (const leg of leaf.legs) {
    if (leg.kind === 'fts-scan') yield* pages.scan(`SELECT rowid FROM embedding_fulltext_search WHERE rowid >= ? AND rowid < ? AND string_value ${leg.condition}`, [leg.value], universe.base, universe.base + universe.span, scanRows);
    else if (leg.kind === 'fts-match') yield* pages.match(leg.phrase, leg.text);
    else if (!pages.indexed(leg.table, leg.column)) yield* pages.scanTable(leg, scanRows);
    else if (leg.op === '=') yield* pages.equal(leg);
    else yield* pages.range(leg);
  }
  hits.and(universe);
  return leaf.negate ? universe.clone().andNot(hits) : hits;
}

/** Reads a leaf's pages, its statements prepared once per leaf, its steps shared by its legs. */
class PageReader {
  private readonly statements = new Map<string, SqliteStatement>();
  private rowsInStep = 0;
  private stepStart: number;
  /** The rows an index page asks for next (indexPage): between MIN_PAGE_ROWS (or rowsPerStep, if fewer) and rowsPerStep. */
  private pageRows: number;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly inSnapshot: InSnapshot,
    private readonly take: (id: number | bigint) => void,
    private readonly rowsPerStep: number,
    private readonly now: () => number,
  ) {
    this.pageRows = Math.min(rowsPerStep, FIRST_PAGE_ROWS);
    this.stepStart = now();
  }

  /** Counts rows read, and pauses once the step has read its share or taken its time. */
  private *spent(rows: number): Steps<void> {
    this.rowsInStep += rows;
    if (this.rowsInStep < this.rowsPerStep && this.now() - this.stepStart < PAGE_MS) return;
    yield* this.pause();
  }

  private *pause(): Steps<void> {
    this.rowsInStep = 0;
    yield;
    this.stepStart = this.now();
  }

  /**
   * An index page: `read(limit)` in its own snapshot, timed, and the next page's size set from
   * that time (PAGE_MS). Gives the rows and the limit they were read with (fewer rows than it:
   * the leg's last page).
   */
  private indexPage<R>(read: (limit: number) => R[]): { rows: R[]; limit: number } {
    const limit = this.pageRows;
    const started = this.now();
    const rows = this.inSnapshot(() => read(limit));
    const ms = this.now() - started;
    if (rows.length === limit) {
      if (ms > PAGE_MS) this.pageRows = Math.min(this.rowsPerStep, Math.max(MIN_PAGE_ROWS, Math.floor((limit * PAGE_MS) / ms)));
      else if (ms < PAGE_MS / 4) this.pageRows = Math.min(this.rowsPerStep, limit * 2);
    }
    return { rows, limit };
  }

  /** `pluck`: the statement selects one column, given as the value alone (no array a row: fewer allocations on long scans). */
  private statement(sql: string, safeIntegers: boolean, pluck = false): SqliteStatement {
    const key = `${safeIntegers}\u0000${pluck}\u0000${sql}`;
    let stmt = this.statements.get(key);
    if (!stmt) {
      stmt = this.db.prepare(sql).safeIntegers(safeIntegers);
      if (pluck) stmt.pluck(true);
      else stmt.raw(true);
      this.statements.set(key, stmt);
    }
    return stmt;
  }

  /**
   * Whether `table` has an index on (key, `column`): Chroma's metadb migration 4 (0.5.6) made
   * them for the string, int and float columns; older folders, and bool_value, have none.
   */
  indexed(table: string, column: string): boolean {
    let byColumn = indexedColumns.get(this.db)?.get(table);
    if (!byColumn) {
      byColumn = new Set<string>();
      for (const { name } of this.db.prepare(`PRAGMA index_list(${table})`).safeIntegers(false).all() as { name: string }[]) {
        const cols = (this.db.prepare(`PRAGMA index_info(${JSON.stringify(name)})`).safeIntegers(false).all() as { seqno: number; name: string | null }[]).sort((a, b) => a.seqno - b.seqno);
        if (cols[0]?.name === 'key' && cols[1]?.name) byColumn.add(cols[1].name);
      }
      if (!indexedColumns.has(this.db)) indexedColumns.set(this.db, new Map());
      indexedColumns.get(this.db)!.set(table, byColumn);
    }
    return byColumn.has(column);
  }

  /** An equality through its (key, column) index, by rowid. */
  *equal(leg: IndexLeg): Steps<void> {
    const where = `FROM ${leg.table} WHERE key = ? AND ${leg.column} = ?`;
    const first = this.statement(`SELECT rowid, id ${where} ORDER BY rowid LIMIT ?`, true);
    const next = this.statement(`SELECT rowid, id ${where} AND rowid > ? ORDER BY rowid LIMIT ?`, true);
    for (let after: bigint | null = null; ; ) {
      const { rows, limit } = this.indexPage((n) => (after === null ? first.all(leg.key, leg.value, n) : next.all(leg.key, leg.value, after, n)) as [bigint, bigint][]);
      for (const [, id] of rows) this.take(id);
      yield* this.spent(rows.length);
      if (rows.length < limit) return;
      after = rows[rows.length - 1]![0];
    }
  }

  /**
   * A leg no index narrows, over its whole table: `scanRows` rows of it a step, by rowid, each
   * range ending where the next `scanRows` rows begin (so gaps in the rowids cost nothing).
   */
  *scanTable(leg: IndexLeg, scanRows: number): Steps<void> {
    const lowest = this.statement(`SELECT min(rowid) FROM ${leg.table}`, true);
    const nextStart = this.statement(`SELECT rowid FROM ${leg.table} WHERE rowid >= ? ORDER BY rowid LIMIT 1 OFFSET ?`, true);
    const range = this.statement(`SELECT id FROM ${leg.table} WHERE rowid >= ? AND rowid < ? AND key = ? AND ${leg.column} ${leg.op} ?`, true, true);
    const rest = this.statement(`SELECT id FROM ${leg.table} WHERE rowid >= ? AND key = ? AND ${leg.column} ${leg.op} ?`, true, true);
    let from = this.inSnapshot(() => (lowest.get() as [bigint | null])[0]);
    while (from !== null) {
      const start: bigint = from;
      const [to] = (this.inSnapshot(() => nextStart.get(start, scanRows)) as [bigint] | undefined) ?? [null];
      this.inSnapshot(() => {
        for (const id of (to === null ? rest.iterate(start, leg.key, leg.value) : range.iterate(start, to, leg.key, leg.value)) as Iterable<bigint>) this.take(id);
      });
      yield* this.pause();
      from = to;
    }
  }

  /** A range through its (key, column) index, by (value, rowid). */
  *range(leg: IndexLeg): Steps<void> {
    const { table, column, op, key, value } = leg;
    const upper = op === '<' || op === '<=';
    const select = (where: string, order: string) => this.statement(`SELECT rowid, id, ${column} FROM ${table} WHERE key = ? AND ${where} ORDER BY ${order} LIMIT ?`, true);
    const first = select(`${column} ${op} ?`, `${column}, rowid`);
    // The rest of a value the last page ended inside; then the values above it (under the bound, for < and <=).
    const tie = select(`${column} = ? AND rowid > ?`, 'rowid');
    const above = select(`${column} > ?${upper ? ` AND ${column} ${op} ?` : ''}`, `${column}, rowid`);
    let last: { value: unknown; rowid: bigint } | null = null;
    for (;;) {
      const { rows, limit } = this.indexPage((n) => {
        if (!last) return first.all(key, value, n) as [bigint, bigint, unknown][];
        const same = tie.all(key, last.value, last.rowid, n) as [bigint, bigint, unknown][];
        if (same.length === n) return same;
        return [...same, ...(above.all(key, last.value, ...(upper ? [value] : []), n - same.length) as [bigint, bigint, unknown][])];
      });
      for (const [, id] of rows) this.take(id);
      yield* this.spent(rows.length);
      if (rows.length < limit) return;
      const [rowid, , v] = rows[rows.length - 1]!;
      last = { value: v, rowid };
    }
  }

  /** A trigram MATCH: its first page by rowid, the rest (a match of more rows than a page) in one piece, off this thread where it can be. */
  *match(phrase: string, text: string): Steps<void> {
    const from = 'FROM embedding_fulltext_search WHERE embedding_fulltext_search MATCH ? AND instr(string_value, ?) > 0';
    const firstPage = this.statement(`SELECT rowid ${from} ORDER BY rowid LIMIT ?`, false);
    const rows = this.inSnapshot(() => firstPage.all(phrase, text, this.rowsPerStep) as [number][]);
    for (const [id] of rows) this.take(id);
    yield* this.spent(rows.length);
    if (rows.length < this.rowsPerStep) return;
    const restSql = `SELECT rowid ${from} AND rowid > ?`;
    const after = rows[rows.length - 1]![0];
    const offThread = yield* readNumbersOffThread(this.db, restSql, [phrase, text, after], this.inSnapshot);
    if (offThread) {
      for (const id of offThread) this.take(id);
    } else {
      const rest = this.statement(restSql, false, true);
      this.inSnapshot(() => {
        for (const id of rest.iterate(phrase, text, after) as Iterable<number>) this.take(id);
      });
    }
    yield* this.pause();
  }

  /** `sql` (rowid bounds first, then `params`) over [from, to) in ranges of `span` rowids, a step each. */
  *scan(sql: string, params: unknown[], from: number, to: number, span: number): Steps<void> {
    const stmt = this.statement(sql, false, true);
    for (let at = from; at < to; at += span) {
      const end = Math.min(to, at + span);
      this.inSnapshot(() => {
        for (const id of stmt.iterate(at, end, ...params) as Iterable<number>) this.take(id);
      });
      yield* this.pause();
    }
  }

}

/** Per connection and table, the columns with an index on (key, column) (PageReader.indexed). */
const indexedColumns = new WeakMap<SqliteDatabase, Map<string, Set<string>>>();
