import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ROWS_PER_RUN, takePageRuns, takeRowsById } from '../../../src-main/engine/sqlite/rows-by-id.js';

/**
 * A page read in runs of all() (sqlite/rows-by-id.ts takePageRuns) gives the rows one iterate()
 * over the same page gives, in order, with the same count and last id, whatever the page's size
 * against a run's, where ids have gaps and where the table ends inside a run.
 */
describe('takePageRuns', () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
  // Ids with gaps (every third missing), 3.5 runs of rows in all.
  const ids = Array.from({ length: Math.round(ROWS_PER_RUN * 5.25) }, (_, i) => i + 1).filter((id) => id % 3 !== 0);
  db.transaction(() => ids.forEach((id) => insert.run(id, `v${id}`)))();
  const page = db.prepare('SELECT id, v FROM t WHERE id > ? ORDER BY id LIMIT ?').raw(true);

  it.each([1, ROWS_PER_RUN - 1, ROWS_PER_RUN, ROWS_PER_RUN + 1, 2 * ROWS_PER_RUN + 17, 10 * ROWS_PER_RUN])('reads pages of %i rows as iterate() does, to the end', (limit) => {
    for (let after = 0; ; ) {
      const runs: [number, string][] = [];
      const read = takePageRuns((from, n) => page.all(from, n) as [number, string][], after, limit, (row) => runs.push(row));
      const whole: [number, string][] = [];
      const expected = takeRowsById(page.iterate(after, limit) as Iterable<[number, string]>, (row) => whole.push(row), after);
      expect(runs).toEqual(whole);
      expect(read).toEqual(expected);
      if (read.rows < limit) break;
      after = read.lastId;
    }
  });

  it('asks for runs of at most ROWS_PER_RUN rows, and none past the end', () => {
    const asked: number[] = [];
    const read = takePageRuns((from, n) => (asked.push(n), page.all(from, n) as [number, string][]), 0, ids.length + 5, () => undefined);
    expect(read).toEqual({ rows: ids.length, lastId: ids.at(-1) });
    expect(Math.max(...asked)).toBe(ROWS_PER_RUN);
    expect(asked).toHaveLength(Math.ceil(ids.length / ROWS_PER_RUN));
  });
});
