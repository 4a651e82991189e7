import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openReadOnly, type SqliteDatabase } from '../../../src-main/engine/sqlite/connection.js';
import { readNumbersOffThread, stopOffThreadReads } from '../../../src-main/engine/sqlite/off-thread-read.js';
import { withScanPageCache } from '../../../src-main/engine/sqlite/page-cache.js';
import { countTuning, segmentIdRange, segmentRecordCount, segmentRecordCountSteps } from '../../../src-main/engine/collection/segment-records.js';
import * as offThread from '../../../src-main/engine/sqlite/off-thread-read.js';
import { runSteps, runStepsSliced } from '../../../src-main/engine/util/steps.js';

/**
 * Reads that visit each page once (the counts) run with a page cache of a few pages, and the
 * connection's stock cache is back after them, whatever they end in (sqlite/page-cache.ts).
 * Counted against rows inserted here, the count SQLite gives with the stock cache.
 */
const dir = mkdtempSync(join(tmpdir(), 'chroma-inspector-page-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STOCK = -2000;
const SCAN = 16;

/** An `embeddings` table as Chroma's, with `rows` rows of segment 'a' and `others` of segment 'b'. */
function folderDb(name: string, rows: number, others = 0): SqliteDatabase {
  const file = join(dir, name);
  const w = new Database(file);
  w.exec(`CREATE TABLE embeddings (id INTEGER PRIMARY KEY, segment_id TEXT NOT NULL, embedding_id TEXT NOT NULL,
    seq_id BLOB NOT NULL, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, UNIQUE (segment_id, embedding_id))`);
  const insert = w.prepare('INSERT INTO embeddings (segment_id, embedding_id, seq_id) VALUES (?, ?, ?)');
  w.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run('a', `id-${i}-${'x'.repeat(40)}`, i);
    for (let i = 0; i < others; i++) insert.run('b', `other-${i}`, rows + i);
  })();
  w.close();
  return openReadOnly(file);
}

const cacheSize = (db: SqliteDatabase) => db.pragma('cache_size', { simple: true }) as number;

/** Records the connection's cache size whenever a count(*) statement runs. */
function watchCounts(db: SqliteDatabase): number[] {
  const seen: number[] = [];
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    const stmt = prepare(sql);
    if (/count\(\*\)/i.test(sql)) {
      const get = stmt.get.bind(stmt);
      stmt.get = ((...params: unknown[]) => {
        seen.push(cacheSize(db));
        return get(...params);
      }) as typeof stmt.get;
    }
    return stmt;
  }) as typeof db.prepare;
  return seen;
}

describe('scan page cache', () => {
  it('a connection opened read-only has the stock cache', () => {
    const db = folderDb('stock.sqlite3', 10);
    expect(cacheSize(db)).toBe(STOCK);
    db.close();
  });

  it('withScanPageCache reads with 16 pages and gives the stock cache back, also after a throw', () => {
    const db = folderDb('restore.sqlite3', 10);
    expect(withScanPageCache(db, () => cacheSize(db))).toBe(SCAN);
    expect(cacheSize(db)).toBe(STOCK);
    expect(() => withScanPageCache(db, () => db.prepare('SELECT nope FROM embeddings').get())).toThrow(/nope/);
    expect(cacheSize(db)).toBe(STOCK);
    db.close();
  });

  it('reads with the cache as it is while an iterator holds the connection, and restores the size it found', () => {
    const db = folderDb('busy.sqlite3', 50);
    const rows = db.prepare('SELECT id FROM embeddings').pluck().iterate();
    rows.next();
    // better-sqlite3 refuses the pragma now; the count still runs (a query is allowed).
    expect(segmentRecordCount(db, 'a')).toBe(50);
    rows.return?.();
    expect(cacheSize(db)).toBe(STOCK);
    // Nested: the inner read gives back the outer's size, the outer the connection's.
    db.pragma('cache_size = -500');
    const sizes = withScanPageCache(db, () => [cacheSize(db), withScanPageCache(db, () => cacheSize(db)), cacheSize(db)]);
    expect(sizes).toEqual([SCAN, SCAN, SCAN]);
    expect(cacheSize(db)).toBe(-500);
    db.close();
  });

  it('has the off-thread reader count with the scan cache', async () => {
    const db = folderDb('count-off-thread.sqlite3', 3000);
    const reads = vi.spyOn(offThread, 'readNumbersOffThread');
    const tuning = { ...countTuning };
    countTuning.offThreadFromIds = 1;
    try {
      expect(await runStepsSliced(segmentRecordCountSteps(db, 'a', (fn) => fn(), 1000, { offThread: true }))).toBe(3000);
      expect(reads).toHaveBeenCalledTimes(1);
      expect(reads.mock.calls[0]![1]).toMatch(/count\(\*\)/);
      expect(reads.mock.calls[0]![4]).toEqual({ scan: true });
    } finally {
      Object.assign(countTuning, tuning);
      reads.mockRestore();
      offThread.stopOffThreadReads(db);
      db.close();
    }
  });

  it('counts a table holding one segment, and a shared one, with the scan cache and give the right number', () => {
    const alone = folderDb('alone.sqlite3', 3000);
    const seen = watchCounts(alone);
    expect(segmentRecordCount(alone, 'a')).toBe(3000);
    expect(segmentIdRange(alone, 'a')).toEqual({ first: 1, count: 3000 });
    expect(seen).toEqual([SCAN, SCAN]);
    expect(cacheSize(alone)).toBe(STOCK);
    alone.close();

    const shared = folderDb('shared.sqlite3', 2500, 700);
    const seenShared = watchCounts(shared);
    expect(segmentRecordCount(shared, 'a')).toBe(2500);
    expect(segmentRecordCount(shared, 'b')).toBe(700);
    expect(seenShared).toEqual([SCAN, SCAN]);
    shared.close();
  });

  it('counts in ranges with the scan cache, and the stock cache is back between the ranges', () => {
    const db = folderDb('ranges.sqlite3', 5000);
    const seen = watchCounts(db);
    const between: number[] = [];
    const steps = segmentRecordCountSteps(db, 'a', (fn) => fn(), 1000);
    let r = steps.next();
    while (!r.done) {
      between.push(cacheSize(db));
      r = steps.next();
    }
    expect(r.value).toBe(5000);
    expect(seen).toEqual([SCAN, SCAN, SCAN, SCAN, SCAN]);
    expect(between).toHaveLength(4);
    expect(new Set(between)).toEqual(new Set([STOCK]));
    db.close();
  });

  it('the off-thread reader reads with the cache its caller asked for', async () => {
    const db = folderDb('worker.sqlite3', 10);
    try {
      const read = (scan: boolean) => runSteps(readNumbersOffThread(db, 'SELECT cache_size FROM pragma_cache_size()', [], (fn) => fn(), { scan }));
      expect(Array.from((await read(true))!)).toEqual([SCAN]);
      expect(Array.from((await read(false))!)).toEqual([STOCK]);
      expect(Array.from((await read(true))!)).toEqual([SCAN]);
    } finally {
      stopOffThreadReads(db);
      db.close();
    }
  });
});
