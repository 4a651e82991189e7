import fs from 'node:fs';
import type { SqliteDatabase } from '../sqlite/connection.js';
import { readNumbersOffThread } from '../sqlite/off-thread-read.js';
import { withScanPageCache } from '../sqlite/page-cache.js';
import { residentShare } from '../util/page-residency.js';
import type { Steps } from '../util/steps.js';

/** How segmentRecordCountSteps and ChromaFolder.prepareCount count (tests lower them). */
export const countTuning = {
  /**
   * Internal ids counted per step: ~2 ms of SQLite when the file is in the page cache, ~30 ms
   * when it is read from disk (100,000 took 75–140 ms then).
   */
  idsPerStep: 25_000,
  /**
   * From this many internal ids, a caller that asks (`offThread`) has the off-thread reader count.
   * At a million rows the count is ~40 ms of this thread when the file is in the page cache, and
   * a second when it is not; below the bound the worker's start (~60 ms, ~10 MB) costs more.
   */
  offThreadFromIds: 250_000,
  /**
   * Below this many ids, prepareCount counts in one piece: ~13 ms at 100k records in the page
   * cache, ~70 ms from disk. Above, ranges keep the thread's holds short, at about twice the work.
   */
  prepareCountOnePieceBelowIds: 250_000,
  /**
   * Below this many ids, prepareCount also counts in one piece when the database file is in the
   * OS page cache (util/page-residency.ts): ~35 ms at a million records against ~72 ms in ranges.
   * Read from disk the same count holds the thread about a second, hence the check.
   */
  prepareCountOnePieceCachedBelowIds: 2_000_000,
  /** The share of the file's pages that counts as "in the page cache". */
  cachedShare: 0.98,
};

/** How segmentRecordCountSteps may count (see there). */
export interface CountSteps {
  offThread?: boolean;
  onePieceBelowIds?: number;
  /** Also in one piece below this many ids when the database file is in the page cache. */
  onePieceCachedBelowIds?: number;
}

/**
 * Cheap facts about a metadata segment's rows in `embeddings`, for the first answers after opening
 * a folder, where a pass over a million rows would be most of the wait.
 */

/**
 * Whether the embeddings table holds this segment's rows alone: its lowest and highest
 * segment_id, two seeks in the unique index, are both this one.
 */
function holdsSegmentAlone(db: SqliteDatabase, segmentId: string): boolean {
  const lowest = db.prepare('SELECT segment_id FROM embeddings ORDER BY segment_id LIMIT 1').pluck().get() as string | undefined;
  if (lowest !== segmentId) return false;
  return db.prepare('SELECT segment_id FROM embeddings ORDER BY segment_id DESC LIMIT 1').pluck().get() === segmentId;
}

/**
 * The segment's row count. When the table holds that segment alone, a bare count(*) gives the
 * same number from SQLite's b-tree page counts without visiting a row, where the filtered count
 * walks the segment's index entry by entry.
 */
export function segmentRecordCount(db: SqliteDatabase, segmentId: string): number {
  const alone = holdsSegmentAlone(db, segmentId);
  return withScanPageCache(db, () =>
    alone
      ? (db.prepare('SELECT count(*) FROM embeddings').pluck().get() as number)
      : (db.prepare('SELECT count(*) FROM embeddings WHERE segment_id = ?').pluck().get(segmentId) as number),
  );
}

/**
 * segmentRecordCount as steps, for a caller that gives its thread back between them: when the
 * table holds the segment alone (the usual large collection), its rows counted over ranges of
 * `idsPerStep` internal ids through the rowid b-tree, each range in `inSnapshot` (its own read
 * transaction; the caller drops the count when the data changed meanwhile). A table shared with
 * other segments, or smaller than one range, is counted in one piece.
 * `offThread`: a table spanning countTuning.offThreadFromIds ids or more is counted by the
 * off-thread reader (sqlite/off-thread-read.ts) while these steps wait, and in ranges here if it
 * cannot. `onePieceBelowIds`: a table spanning fewer ids is counted in one piece (by default, one
 * that fits in a step); ranges cost about twice what one count does, which walks the smaller index
 * and reads its pages' cell counts alone (~40 against ~70 ms at a million records).
 * `onePieceCachedBelowIds`: so is one spanning fewer ids whose database file is in the page cache.
 */
export function* segmentRecordCountSteps(
  db: SqliteDatabase,
  segmentId: string,
  inSnapshot: <T>(fn: () => T) => T,
  idsPerStep = countTuning.idsPerStep,
  opts: CountSteps = {},
): Steps<number> {
  const { alone, bounds } = inSnapshot(() => ({ alone: holdsSegmentAlone(db, segmentId), bounds: tableIdBounds(db) }));
  // Beside other segments, ranges of ids would read every row of theirs too: the segment's index counts its own alone.
  if (!bounds || !alone) return Number(inSnapshot(() => segmentRecordCount(db, segmentId)));
  const span = bounds.last - bounds.first + 1;
  if (opts.offThread && span >= countTuning.offThreadFromIds) {
    const counted = yield* readNumbersOffThread(db, 'SELECT count(*) FROM embeddings', [], inSnapshot, { scan: true });
    if (counted?.length === 1) return counted[0]!;
  }
  if (span <= idsPerStep || span < (opts.onePieceBelowIds ?? 0) || (span < (opts.onePieceCachedBelowIds ?? 0) && databaseCached(db))) {
    // A pause first: a caller that starts these steps beside other work (a first query's checks,
    // which then start the level-0 pass) counts when it next waits, not before that work begins.
    if (span > idsPerStep) yield;
    return Number(inSnapshot(() => segmentRecordCount(db, segmentId)));
  }
  const range = db.prepare('SELECT count(*) FROM embeddings WHERE id >= ? AND id < ?').pluck().safeIntegers(false);
  let count = 0;
  for (let from = bounds.first; from <= bounds.last; from += idsPerStep) {
    if (from > bounds.first) yield;
    const to = Math.min(from + idsPerStep, bounds.last + 1);
    count += inSnapshot(() => withScanPageCache(db, () => range.get(from, to) as number));
  }
  return count;
}

/** Whether the connection's database file (and its -wal, if any) is in the OS page cache. */
function databaseCached(db: SqliteDatabase): boolean {
  if (db.memory || !db.name) return false;
  for (const file of [db.name, `${db.name}-wal`]) {
    if (file !== db.name && !fs.existsSync(file)) continue;
    const share = residentShare(file);
    if (share === null || share < countTuning.cachedShare) return false;
  }
  return true;
}

/**
 * The lowest and highest internal id in `embeddings` (null when it is empty). Two statements:
 * SQLite seeks for a lone min() or max(), and scans the table for both in one.
 */
export function tableIdBounds(db: SqliteDatabase): { first: number; last: number } | null {
  const first = db.prepare('SELECT min(id) FROM embeddings').pluck().safeIntegers(false).get() as number | null;
  const last = db.prepare('SELECT max(id) FROM embeddings').pluck().safeIntegers(false).get() as number | null;
  return first === null || last === null ? null : { first, last };
}

/**
 * The segment's internal ids as one range [first, first + count), or null when they are not one:
 * when the table holds that segment alone and its count is max(id) − min(id) + 1, every id in
 * between is one of its rows (a collection written without deletes, the usual large one). Four
 * seeks and a b-tree count instead of reading every row.
 */
export function segmentIdRange(db: SqliteDatabase, segmentId: string, segmentRows?: () => number): { first: number; count: number } | null {
  if (!holdsSegmentAlone(db, segmentId)) return null;
  const { first, last } = tableIdBounds(db)!;
  // The table holds this segment alone, so its row count is the table's.
  const count = segmentRows ? segmentRows() : withScanPageCache(db, () => db.prepare('SELECT count(*) FROM embeddings').pluck().safeIntegers(false).get() as number);
  return last - first + 1 === count ? { first, count } : null;
}

/** Up to `n` of the segment's record ids, spread evenly over its internal ids. */
export function sampleSegmentIds(db: SqliteDatabase, segmentId: string, n: number): string[] {
  // `+segment_id` keeps SQLite on the rowid b-tree: seeks by id, not a walk of the segment's index.
  const first = db.prepare('SELECT id FROM embeddings WHERE +segment_id = ? ORDER BY id LIMIT 1').pluck().get(segmentId) as number | undefined;
  const last = db.prepare('SELECT id FROM embeddings WHERE +segment_id = ? ORDER BY id DESC LIMIT 1').pluck().get(segmentId) as number | undefined;
  if (first === undefined || last === undefined) return [];
  const at = db.prepare('SELECT embedding_id FROM embeddings WHERE id >= ? AND +segment_id = ? ORDER BY id LIMIT 1').pluck();
  const out = new Set<string>();
  for (let i = 0; i < n; i++) {
    const id = at.get(first + Math.floor(((last - first) * i) / Math.max(1, n - 1)), segmentId) as string | undefined;
    if (id !== undefined) out.add(id);
  }
  return [...out];
}
