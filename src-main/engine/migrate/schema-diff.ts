import type { SchemaDiff, SchemaTableChange } from '../../../shared/models.js';
import type { SqliteDatabase } from '../sqlite/connection.js';

/** One `sqlite_master` entry and, for tables, its columns as `PRAGMA table_xinfo` reports them. */
interface SchemaObject {
  type: string;
  name: string;
  table: string;
  sql: string | null;
  columns: Map<string, string>;
}

export type SchemaSnapshot = Map<string, SchemaObject>;

const FTS_SHADOWS = ['_data', '_idx', '_content', '_docsize', '_config'];

/**
 * The objects a diff talks about: tables, indexes, views, triggers — without SQLite's own
 * (`sqlite_*`, automatic indexes) and without the shadow tables of FTS5 tables, which follow
 * their virtual table.
 */
export function readSchema(db: SqliteDatabase, schema = 'main'): SchemaSnapshot {
  const rows = db.prepare(`SELECT type, name, tbl_name AS "table", sql FROM ${schema}.sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`).all() as Omit<
    SchemaObject,
    'columns'
  >[];
  const virtual = rows.filter((r) => r.type === 'table' && /^\s*CREATE\s+VIRTUAL\s+TABLE/i.test(r.sql ?? '')).map((r) => r.name);
  const isShadow = (name: string) => virtual.some((v) => FTS_SHADOWS.some((s) => name === `${v}${s}`));
  const out: SchemaSnapshot = new Map();
  for (const r of rows) {
    if (r.type === 'table' && isShadow(r.name)) continue;
    const columns = new Map<string, string>();
    if (r.type === 'table') {
      const cols = db.prepare(`SELECT name, type, "notnull" AS nn, dflt_value AS dflt, pk, hidden FROM pragma_table_xinfo(?, ?)`).all(r.name, schema) as {
        name: string;
        type: string;
        nn: number;
        dflt: string | null;
        pk: number;
        hidden: number;
      }[];
      for (const c of cols) {
        if (c.hidden !== 0) continue;
        columns.set(c.name, [c.type || '(no type)', c.nn ? 'NOT NULL' : '', c.dflt !== null ? `DEFAULT ${c.dflt}` : '', c.pk ? 'PRIMARY KEY' : ''].filter(Boolean).join(' '));
      }
    }
    out.set(`${r.type}:${r.name}`, { ...r, columns });
  }
  return out;
}

/** The columns (not hidden) of each table in a snapshot. */
export function tableColumns(s: SchemaSnapshot): Map<string, string[]> {
  return new Map([...s.values()].filter((o) => o.type === 'table').map((o) => [o.name, [...o.columns.keys()]]));
}

export function isVirtualTable(s: SchemaSnapshot, table: string): boolean {
  return /^\s*CREATE\s+VIRTUAL\s+TABLE/i.test(s.get(`table:${table}`)?.sql ?? '');
}

const normalize = (sql: string | null) => (sql ?? '').replace(/\s+/g, ' ').trim();

function tableChange(before: SchemaObject, after: SchemaObject): SchemaTableChange | null {
  const columnsAdded = [...after.columns.keys()].filter((c) => !before.columns.has(c));
  const columnsRemoved = [...before.columns.keys()].filter((c) => !after.columns.has(c));
  const columnsChanged = [...after.columns]
    .filter(([c, d]) => before.columns.has(c) && before.columns.get(c) !== d)
    .map(([column, d]) => ({ column, before: before.columns.get(column)!, after: d }));
  const definitionChanged = normalize(before.sql) !== normalize(after.sql);
  if (!definitionChanged && columnsAdded.length + columnsRemoved.length + columnsChanged.length === 0) return null;
  return { table: after.name, columnsAdded, columnsRemoved, columnsChanged, definitionChanged };
}

/** What changed between two snapshots of one database (before and after a migration). */
export function diffSchemas(before: SchemaSnapshot, after: SchemaSnapshot): SchemaDiff {
  const diff: SchemaDiff = { tablesAdded: [], tablesRemoved: [], tablesChanged: [], indexesAdded: [], indexesRemoved: [], indexesChanged: [], othersAdded: [], othersRemoved: [], othersChanged: [] };
  const label = (o: SchemaObject) => (o.type === 'index' ? `${o.name} (on ${o.table})` : o.type === 'table' ? o.name : `${o.type} ${o.name}`);
  const lists = (o: SchemaObject) =>
    o.type === 'table'
      ? { added: diff.tablesAdded, removed: diff.tablesRemoved, changed: null }
      : o.type === 'index'
        ? { added: diff.indexesAdded, removed: diff.indexesRemoved, changed: diff.indexesChanged }
        : { added: diff.othersAdded, removed: diff.othersRemoved, changed: diff.othersChanged };
  for (const [key, a] of after) {
    const b = before.get(key);
    if (!b) lists(a).added.push(label(a));
    else if (a.type === 'table') {
      const change = tableChange(b, a);
      if (change) diff.tablesChanged.push(change);
    } else if (normalize(a.sql) !== normalize(b.sql)) lists(a).changed!.push(label(a));
  }
  for (const [key, b] of before) if (!after.has(key)) lists(b).removed.push(label(b));
  for (const list of [diff.tablesAdded, diff.tablesRemoved, diff.indexesAdded, diff.indexesRemoved, diff.indexesChanged, diff.othersAdded, diff.othersRemoved, diff.othersChanged]) list.sort();
  diff.tablesChanged.sort((x, y) => x.table.localeCompare(y.table));
  return diff;
}
