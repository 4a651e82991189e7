/**
 * Gives each row of a page read in id order (the id in its first column) to `take` as it is read,
 * and says how many there were and the last one's id (where the next page starts). Rows are
 * iterated, not gathered with all(): a page of 10,000 rows held at once outlives V8's young
 * collections and grows the heap, whose pages stay resident (~20 MB at 100,000 records). Indexed,
 * not destructured: a destructuring makes an iterator a row until V8 optimises the loop.
 */
export function takeRowsById<R extends readonly unknown[]>(rows: Iterable<R>, take: (row: R) => void, lastId = 0): { rows: number; lastId: number } {
  let count = 0;
  for (const row of rows) {
    count++;
    lastId = row[0] as number;
    take(row);
  }
  return { rows: count, lastId };
}

/** Rows per all() call of takePageRuns. */
export const ROWS_PER_RUN = 1_000;

/**
 * A page of up to `limit` rows after id `after`, in id order, read by `run(after, n)` (a statement
 * `… id > ? … ORDER BY id LIMIT ?` asked with all()) in runs of ROWS_PER_RUN rows, each row given
 * to `take` as takeRowsById gives it. all() reads a run in one call into better-sqlite3, where
 * iterate() makes one call a row: five million rows of a metadata key read in 6.4 s against
 * 7.7–8.5 s, the embeddings' ids in 2.3 s against 3.7 s. A run of 1,000 rows is ~100 KB, gone
 * at V8's next young collection, unlike a page of 10,000 held at once (takeRowsById).
 */
export function takePageRuns<R extends readonly unknown[]>(run: (after: number, n: number) => R[], after: number, limit: number, take: (row: R) => void): { rows: number; lastId: number } {
  let count = 0;
  let lastId = after;
  while (count < limit) {
    const n = Math.min(ROWS_PER_RUN, limit - count);
    const rows = run(lastId, n);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      lastId = row[0] as number;
      take(row);
    }
    count += rows.length;
    if (rows.length < n) break;
  }
  return { rows: count, lastId };
}
