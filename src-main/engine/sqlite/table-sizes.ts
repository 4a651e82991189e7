import type { TableSize } from '../../../shared/models.js';
import type { SqliteDatabase } from './connection.js';
import type { SchemaProbe } from './schema-probe.js';

/**
 * Rows and bytes of every table, one table at a time so a host can report progress and stop
 * between tables (counting a WAL of millions of rows takes a while). `guard` wraps each read
 * (refresh if another process committed, SQLite errors as ours).
 */
export function* tableSizeSteps(
  db: SqliteDatabase,
  probe: SchemaProbe,
  guard: <T>(fn: () => T) => T,
): Generator<{ size: TableSize; done: number; total: number }> {
  const bytes = new Map<string, number>();
  guard(() => {
    try {
      for (const row of db.prepare('SELECT name, sum(pgsize) AS b FROM dbstat GROUP BY name').all() as { name: string; b: number }[]) {
        bytes.set(row.name, row.b);
      }
    } catch {
      /* dbstat not compiled in */
    }
  });
  const tables = probe.tableNames();
  for (let i = 0; i < tables.length; i++) {
    const table = tables[i]!;
    const rows = guard(() => (db.prepare(`SELECT count(*) AS n FROM "${table.replace(/"/g, '""')}"`).get() as { n: number }).n);
    yield { size: { table, rows, bytes: bytes.get(table) ?? null }, done: i + 1, total: tables.length };
  }
}
