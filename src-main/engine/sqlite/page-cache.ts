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
 * `read` with the connection's page cache at SCAN_PAGE_CACHE_PRAGMA, then the stock cache again
 * (the pages it cached before are dropped: rereading them costs a pread each).
 */
export function withScanPageCache<T>(db: SqliteDatabase, read: () => T): T {
  db.pragma(SCAN_PAGE_CACHE_PRAGMA);
  try {
    return read();
  } finally {
    db.pragma(PAGE_CACHE_PRAGMA);
  }
}
