import type { SqliteDatabase } from './connection.js';

/**
 * SQLite's stock 2 MB page cache, as Chroma's connections have, not better-sqlite3's 16 MB: the
 * cache's memory is fresh pages that the first long read faults in one by one, and a read-only
 * inspector rereads few pages.
 */
export const PAGE_CACHE_PRAGMA = 'cache_size = -2000';

/**
 * The page cache of a read that visits each page once (a count walks every leaf of a b-tree).
 * With the stock cache such a read fills all 500 of its slots, each a fresh page of memory the
 * first time: a first count at 100k records took ~13 ms, ~10 of them page faults (~20 µs each on
 * a virtual machine); with 16 slots, reused, ~3.3 ms. Rereads come from the OS's page cache.
 */
export const SCAN_PAGE_CACHE_PRAGMA = 'cache_size = 16';

/**
 * `read` with the connection's page cache at SCAN_PAGE_CACHE_PRAGMA, then the size it had again
 * (the pages it cached before are dropped: rereading them costs a pread each). Where the pragma
 * cannot run — better-sqlite3 refuses any statement but a query while an iterator is open on
 * the connection — `read` runs with the cache as it is.
 */
export function withScanPageCache<T>(db: SqliteDatabase, read: () => T): T {
  let before: unknown;
  try {
    before = db.pragma('cache_size', { simple: true });
    db.pragma(SCAN_PAGE_CACHE_PRAGMA);
  } catch {
    return read();
  }
  try {
    return read();
  } finally {
    try {
      db.pragma(`cache_size = ${Number(before)}`);
    } catch {
      // Not after the reads this serves (counts: nothing left open); were it to fail, only speed is at stake.
    }
  }
}
