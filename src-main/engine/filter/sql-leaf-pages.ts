import type { SqliteDatabase } from '../sqlite/connection.js';
import type { LeafLegs, SqlLeg } from './compile-sql.js';
import { IdBitset } from './id-bitset.js';
import type { Steps } from '../util/steps.js';

/** Rows of a leg read per step (~10–25 ms through an index at a million records). */
const LEG_ROWS_PER_STEP = 10_000;
/** Ids of the full-text table scanned per step (each document is matched by LIKE or REGEXP). */
const SCAN_IDS_PER_STEP = 4_096;

/** Columns with an index on (key, column) in both metadata tables; bool_value has none. */
const INDEXED = new Set(['string_value', 'int_value', 'float_value']);

type InSnapshot = <T>(fn: () => T) => T;

/**
 * A leaf's matches (SqlColumnSource.sqlLeaf) read in pages, a step each, for a caller that gives
 * its thread back between them: the same ids as the one-piece `SELECT … WHERE e.id [NOT] IN (…)`,
 * as a bit set over `universe` without the `excluded` ids. Each leg is paged by a key its index
 * is ordered by, so a page is a seek, not a scan from the start:
 *
 * - an equality on an indexed column, and any leg on a column without an index, by rowid;
 * - a range on an indexed column by (value, rowid): the rest of the last page's value first,
 *   then the values above it;
 * - a trigram match by rowid (its doclists are in rowid order); a LIKE or REGEXP over the
 *   full-text table by fixed ranges of ids over the universe.
 *
 * Each page runs in `inSnapshot` (its own read transaction): the caller must drop the result if
 * the data changed meanwhile (the folder then retires its readers). A negated leaf is the
 * universe without the positive matches, as the one-piece NOT IN is.
 */
export function* sqlLeafPages(
  db: SqliteDatabase,
  leaf: LeafLegs,
  universe: IdBitset,
  excluded: ReadonlySet<number>,
  inSnapshot: InSnapshot,
  rowsPerStep = LEG_ROWS_PER_STEP,
  idsPerScan = SCAN_IDS_PER_STEP,
): Steps<IdBitset> {
  const hits = IdBitset.empty(universe);
  const take = (id: number) => {
    if (!excluded.has(id)) hits.add(id);
  };
  for (const leg of leaf.legs) {
    if (leg.kind === 'fts-scan') yield* scanPages(db, leg, universe, take, inSnapshot, idsPerScan);
    else if (leg.kind === 'fts-match') yield* rowidPages(db, ftsMatchPage(db), [leg.phrase, leg.text], take, inSnapshot, rowsPerStep);
    else if (leg.op === '=' || !INDEXED.has(leg.column)) yield* rowidPages(db, indexRowidPage(db, leg), [leg.key, leg.value], take, inSnapshot, rowsPerStep);
    else yield* rangePages(db, leg, take, inSnapshot, rowsPerStep);
  }
  hits.and(universe);
  return leaf.negate ? universe.clone().andNot(hits) : hits;
}

/** A statement returning [rowid, id] rows after a rowid, in rowid order, LIMIT the last parameter. */
type RowidPage = (params: unknown[], after: number, limit: number) => [number, number][];

function* rowidPages(db: SqliteDatabase, page: RowidPage, params: unknown[], take: (id: number) => void, inSnapshot: InSnapshot, rowsPerStep: number): Steps<void> {
  for (let after = -Infinity; ; ) {
    const rows = inSnapshot(() => page(params, after, rowsPerStep));
    for (const [, id] of rows) take(id);
    if (rows.length < rowsPerStep) return;
    after = rows[rows.length - 1]![0];
    yield;
  }
}

function indexRowidPage(db: SqliteDatabase, leg: Extract<SqlLeg, { kind: 'index' }>): RowidPage {
  const stmt = db
    .prepare(`SELECT rowid, id FROM ${leg.table} WHERE key = ? AND ${leg.column} ${leg.op} ? AND rowid > ? ORDER BY rowid LIMIT ?`)
    .raw(true)
    .safeIntegers(false);
  return (params, after, limit) => stmt.all(...params, rowidBound(after), limit) as [number, number][];
}

function ftsMatchPage(db: SqliteDatabase): RowidPage {
  const stmt = db
    .prepare('SELECT rowid, rowid FROM embedding_fulltext_search WHERE embedding_fulltext_search MATCH ? AND instr(string_value, ?) > 0 AND rowid > ? ORDER BY rowid LIMIT ?')
    .raw(true)
    .safeIntegers(false);
  return (params, after, limit) => stmt.all(...params, rowidBound(after), limit) as [number, number][];
}

/** -Infinity (before the first page) as the smallest rowid SQLite has. */
function rowidBound(after: number): number | bigint {
  return after === -Infinity ? -(2n ** 63n) : after;
}

/**
 * A range leg through its (key, column) index in (value, rowid) order. Ints are read as BigInts,
 * so a value beyond 2^53 is carried to the next page exactly.
 */
function* rangePages(db: SqliteDatabase, leg: Extract<SqlLeg, { kind: 'index' }>, take: (id: number) => void, inSnapshot: InSnapshot, rowsPerStep: number): Steps<void> {
  const { table, column, op, key, value } = leg;
  const upper = op === '<' || op === '<=';
  const prepare = (where: string, order: string) =>
    db.prepare(`SELECT rowid, id, ${column} FROM ${table} WHERE key = ? AND ${where} ORDER BY ${order} LIMIT ?`).raw(true).safeIntegers(true);
  const first = prepare(`${column} ${op} ?`, `${column}, rowid`);
  // The rest of a value the last page ended inside; then the values above it (under the bound, for < and <=).
  const tie = prepare(`${column} = ? AND rowid > ?`, 'rowid');
  const above = prepare(`${column} > ?${upper ? ` AND ${column} ${op} ?` : ''}`, `${column}, rowid`);
  let last: { value: unknown; rowid: bigint } | null = null;
  for (;;) {
    const rows = inSnapshot(() => {
      if (!last) return first.all(key, value, rowsPerStep) as [bigint, bigint, unknown][];
      const same = tie.all(key, last.value, last.rowid, rowsPerStep) as [bigint, bigint, unknown][];
      if (same.length === rowsPerStep) return same;
      const bound = upper ? [value] : [];
      return [...same, ...(above.all(key, last.value, ...bound, rowsPerStep - same.length) as [bigint, bigint, unknown][])];
    });
    for (const [, id] of rows) take(Number(id));
    if (rows.length < rowsPerStep) return;
    const [rowid, , v] = rows[rows.length - 1]!;
    last = { value: v, rowid };
    yield;
  }
}

/** A LIKE or REGEXP over the full-text table's documents, `idsPerScan` ids of the universe at a time. */
function* scanPages(db: SqliteDatabase, leg: Extract<SqlLeg, { kind: 'fts-scan' }>, universe: IdBitset, take: (id: number) => void, inSnapshot: InSnapshot, idsPerScan: number): Steps<void> {
  const stmt = db.prepare(`SELECT rowid FROM embedding_fulltext_search WHERE rowid >= ? AND rowid < ? AND string_value ${leg.condition}`).pluck(true).safeIntegers(false);
  const end = universe.base + universe.span;
  for (let from = universe.base; from < end; from += idsPerScan) {
    if (from > universe.base) yield;
    const ids = inSnapshot(() => stmt.all(from, Math.min(end, from + idsPerScan), leg.value) as number[]);
    for (const id of ids) take(id);
  }
}
