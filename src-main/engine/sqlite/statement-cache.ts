import type { SqliteDatabase, SqliteStatement } from './connection.js';

/**
 * Prepared statements kept per connection, by SQL text and read mode. Preparing one costs about
 * 0.1–0.2 ms, several percent of a warm query (whose include reads its ten records through a get),
 * and a get's SQL varies only with the shape of its filters, so the same few texts recur.
 *
 * For statements run with all() or get() only: one run with iterate() stays busy until it ends,
 * and a nested use of the same text would then fail.
 */
const byConnection = new WeakMap<SqliteDatabase, Map<string, SqliteStatement>>();
const MAX_PER_CONNECTION = 64;

export type StatementMode = 'rows' | 'raw' | 'pluck';

export function cachedStatement(db: SqliteDatabase, sql: string, mode: StatementMode = 'rows'): SqliteStatement {
  let cache = byConnection.get(db);
  if (!cache) byConnection.set(db, (cache = new Map()));
  const key = `${mode}\u0000${sql}`;
  let stmt = cache.get(key);
  if (stmt) {
    cache.delete(key); // most recently used last
  } else {
    stmt = db.prepare(sql);
    if (mode === 'raw') stmt.raw(true);
    if (mode === 'pluck') stmt.pluck(true);
    if (cache.size >= MAX_PER_CONNECTION) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, stmt);
  return stmt;
}
