import type { SqliteDatabase } from './connection.js';

/** What tables and columns a folder's schema actually has; eras differ, and so do dev builds. */
export class SchemaProbe {
  private readonly tables: Set<string>;
  private readonly columns = new Map<string, Set<string>>();

  constructor(private readonly db: SqliteDatabase) {
    const rows = db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table','view')").all() as { name: string }[];
    this.tables = new Set(rows.map((r) => r.name));
  }

  hasTable(name: string): boolean {
    return this.tables.has(name);
  }

  tableNames(): string[] {
    return [...this.tables].sort();
  }

  columnsOf(table: string): Set<string> {
    let cols = this.columns.get(table);
    if (!cols) {
      cols = new Set(
        this.hasTable(table)
          ? (this.db.prepare(`PRAGMA table_info("${table.replace(/"/g, '""')}")`).all() as { name: string }[]).map((r) => r.name)
          : [],
      );
      this.columns.set(table, cols);
    }
    return cols;
  }

  hasColumn(table: string, column: string): boolean {
    return this.columnsOf(table).has(column);
  }

  /** `col` when present, else `NULL AS col`: one SELECT works for every era. */
  col(table: string, column: string, alias = column): string {
    return this.hasColumn(table, column) ? `"${column}" AS "${alias}"` : `NULL AS "${alias}"`;
  }
}
