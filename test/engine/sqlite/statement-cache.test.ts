import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cachedStatement } from '../../../src-main/engine/sqlite/statement-cache.js';

describe('cachedStatement', () => {
  const db = new Database(':memory:');
  db.exec("CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'y')");

  it('gives the same prepared statement for the same text and mode, and one per mode', () => {
    const sql = 'SELECT a, b FROM t ORDER BY a';
    const rows = cachedStatement(db, sql);
    expect(cachedStatement(db, sql)).toBe(rows);
    const raw = cachedStatement(db, sql, 'raw');
    const pluck = cachedStatement(db, sql, 'pluck');
    expect(new Set([rows, raw, pluck]).size).toBe(3);
    // Each mode keeps its shape however the others were used in between.
    expect(rows.all()).toEqual([{ a: 1, b: 'x' }, { a: 2, b: 'y' }]);
    expect(raw.all()).toEqual([[1, 'x'], [2, 'y']]);
    expect(pluck.all()).toEqual([1, 2]);
    expect(cachedStatement(db, sql).all()).toEqual([{ a: 1, b: 'x' }, { a: 2, b: 'y' }]);
  });

  it('keeps each connection apart, and forgets the least recently used past 64 texts', () => {
    const other = new Database(':memory:');
    other.exec('CREATE TABLE t (a INTEGER, b TEXT)');
    const sql = 'SELECT count(*) AS n FROM t';
    expect(cachedStatement(other, sql)).not.toBe(cachedStatement(db, sql));
    expect(cachedStatement(other, sql).get()).toEqual({ n: 0 });
    expect(cachedStatement(db, sql).get()).toEqual({ n: 2 });

    const fresh = new Database(':memory:');
    const k = (i: number) => cachedStatement(fresh, `SELECT ${i} AS k`);
    const first = k(0);
    const second = k(1);
    for (let i = 2; i < 64; i++) k(i); // 64 held: the limit
    expect(k(1)).toBe(second); // used again: now the most recent
    k(64); // one more: the least recently used, k0, goes
    expect(k(1)).toBe(second);
    expect(k(0)).not.toBe(first);
    expect(k(0).get()).toEqual({ k: 0 });
  });
});
