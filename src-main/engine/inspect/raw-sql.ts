import type { SqlResult } from '../../../shared/contract.js';
import { InspectorError } from '../../../shared/errors.js';
import type { ChromaFolder } from '../chroma-folder.js';

/** JSON-safe cell values: blobs become a short hex preview, big ints strings. */
function cell(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return { blob: v.subarray(0, 32).toString('hex'), bytes: v.length };
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return v;
}

/**
 * Expert SQL against chroma.sqlite3. The connection is read-only at the SQLite level, and only
 * statements that read are accepted, so nothing here can change the folder.
 */
export function runReadOnlySql(folder: ChromaFolder, sql: string, offset: number, limit: number): SqlResult {
  let stmt;
  try {
    stmt = folder.db.prepare(sql);
  } catch (err) {
    throw new InspectorError('INVALID_ARGUMENT', `SQL error: ${(err as Error).message}`);
  }
  if (!stmt.readonly || !stmt.reader) {
    throw new InspectorError('READ_ONLY', 'Only statements that read and return rows are allowed (SELECT, read-only PRAGMA, EXPLAIN)');
  }
  stmt.raw(true).safeIntegers(true);
  const columns = stmt.columns().map((c) => c.name);
  const rows: unknown[][] = [];
  let i = 0;
  let truncated = false;
  try {
    for (const row of stmt.iterate() as Iterable<unknown[]>) {
      if (i++ < offset) continue;
      if (rows.length === limit) {
        truncated = true;
        break;
      }
      rows.push(row.map(cell));
    }
  } catch (err) {
    throw new InspectorError('INVALID_ARGUMENT', `SQL error: ${(err as Error).message}`);
  }
  return { columns, rows, offset, truncated };
}
