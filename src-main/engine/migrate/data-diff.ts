import type { TableDataChange } from '../../../shared/models.js';
import type { SqliteDatabase } from '../sqlite/connection.js';
import { isVirtualTable, tableColumns, type SchemaSnapshot } from './schema-diff.js';

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

function storageTypes(db: SqliteDatabase, schema: string, table: string, column: string): Record<string, number> {
  const rows = db.prepare(`SELECT typeof(${q(column)}) AS t, count(*) AS n FROM ${schema}.${q(table)} GROUP BY 1 ORDER BY 1`).all() as { t: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}

const count = (db: SqliteDatabase, schema: string, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${schema}.${q(table)}`).get() as { n: number }).n;

/**
 * The data a migration changed, table by table, between `main` (after) and an attached copy
 * `before`: rows in each, rows of `before` that no longer exist unchanged in `after` (compared on
 * the columns both have — so a BLOB seq id that became an INTEGER counts), how many rows a new
 * column was filled for, and, for tables with changed rows, the storage types (`typeof`) of each
 * column whose mix changed. FTS tables are compared with their rowid, which is `embeddings.id`.
 * Only tables where something changed are returned. `onTable` is called before each table.
 */
export function diffData(db: SqliteDatabase, before: SchemaSnapshot, after: SchemaSnapshot, onTable?: (table: string) => void): TableDataChange[] {
  const colsBefore = tableColumns(before);
  const colsAfter = tableColumns(after);
  const out: TableDataChange[] = [];
  for (const table of [...new Set([...colsBefore.keys(), ...colsAfter.keys()])].sort()) {
    onTable?.(table);
    const b = colsBefore.get(table);
    const a = colsAfter.get(table);
    const change: TableDataChange = { table, rowsBefore: b ? count(db, 'before', table) : null, rowsAfter: a ? count(db, 'main', table) : null, rowsChanged: 0, filledColumns: [], storageTypes: [] };
    if (a && b) {
      const common = a.filter((c) => b.includes(c));
      const keyed = isVirtualTable(after, table) ? ['rowid', ...common] : common;
      if (keyed.length > 0) {
        const list = keyed.map(q).join(', ');
        change.rowsChanged = (db.prepare(`SELECT count(*) AS n FROM (SELECT ${list} FROM before.${q(table)} EXCEPT SELECT ${list} FROM main.${q(table)})`).get() as { n: number }).n;
      }
      for (const column of a.filter((c) => !b.includes(c))) {
        const rows = (db.prepare(`SELECT count(*) AS n FROM main.${q(table)} WHERE ${q(column)} IS NOT NULL`).get() as { n: number }).n;
        if (rows > 0) change.filledColumns.push({ column, rows });
      }
      if (change.rowsChanged > 0) {
        for (const column of common) {
          const tb = storageTypes(db, 'before', table, column);
          const ta = storageTypes(db, 'main', table, column);
          if (JSON.stringify(tb) !== JSON.stringify(ta)) change.storageTypes.push({ column, before: tb, after: ta });
        }
      }
    }
    const changed =
      (a && b && (change.rowsBefore !== change.rowsAfter || change.rowsChanged > 0 || change.filledColumns.length > 0)) ||
      (!b && (change.rowsAfter ?? 0) > 0) ||
      (!a && (change.rowsBefore ?? 0) > 0);
    if (changed) out.push(change);
  }
  return out;
}
