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
