import Database from 'better-sqlite3';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileWhere, registerRegexp, type SqlFilterContext } from '../../../src-main/engine/filter/compile-sql.js';
import type { WhereNode } from '../../../src-main/engine/filter/where-ast.js';
import type { TypedMetadata, TypedScalar } from '../../../src-main/engine/util/typed-value.js';

/**
 * An in-memory metadata segment with Chroma's schema, written with Rust core's rules (docs/format.md §5), to run
 * compiled filters against.
 */

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const sample134 = path.resolve(repoRoot, 'test/fixtures/reference/sample-1.3.4/chroma.sqlite3');

/** The latest schema's tables used by filters, as in sample-1.3.4's sqlite_master (metadb 1–6). */
export const LATEST_DDL = [
  `CREATE TABLE embeddings (
    id INTEGER PRIMARY KEY,
    segment_id TEXT NOT NULL,
    embedding_id TEXT NOT NULL,
    seq_id BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (segment_id, embedding_id)
)`,
  `CREATE TABLE embedding_metadata (
    id INTEGER REFERENCES embeddings(id),
    key TEXT NOT NULL,
    string_value TEXT,
    int_value INTEGER,
    float_value REAL, bool_value INTEGER,
    PRIMARY KEY (id, key)
)`,
  `CREATE VIRTUAL TABLE embedding_fulltext_search USING fts5(string_value, tokenize='trigram')`,
  `CREATE INDEX embedding_metadata_int_value ON embedding_metadata (key, int_value) WHERE int_value IS NOT NULL`,
  `CREATE INDEX embedding_metadata_float_value ON embedding_metadata (key, float_value) WHERE float_value IS NOT NULL`,
  `CREATE INDEX embedding_metadata_string_value ON embedding_metadata (key, string_value) WHERE string_value IS NOT NULL`,
  `CREATE TABLE embedding_metadata_array (
    id INTEGER NOT NULL REFERENCES embeddings(id),
    key TEXT NOT NULL,
    string_value TEXT,
    int_value INTEGER,
    float_value REAL,
    bool_value INTEGER
)`,
  `CREATE INDEX embedding_metadata_array_id_key
    ON embedding_metadata_array (id, key)`,
  `CREATE INDEX embedding_metadata_array_key_string
    ON embedding_metadata_array (key, string_value) WHERE string_value IS NOT NULL`,
  `CREATE INDEX embedding_metadata_array_key_int
    ON embedding_metadata_array (key, int_value) WHERE int_value IS NOT NULL`,
  `CREATE INDEX embedding_metadata_array_key_float
    ON embedding_metadata_array (key, float_value) WHERE float_value IS NOT NULL`,
];

/** 0.4.0-era tables: no bool_value (before 0.4.4), the old `embedding_fulltext(id, string_value)`. */
const LEGACY_DDL = [
  LATEST_DDL[0]!,
  `CREATE TABLE embedding_metadata (
    id INTEGER REFERENCES embeddings(id),
    key TEXT NOT NULL,
    string_value TEXT,
    int_value INTEGER,
    float_value REAL,
    PRIMARY KEY (id, key)
)`,
  `CREATE VIRTUAL TABLE embedding_fulltext USING fts5(id, string_value)`,
];

export interface TestRecord {
  id: string;
  metadata: TypedMetadata;
  document: string | null;
}

export interface Segment {
  db: Database.Database;
  ctx: SqlFilterContext;
  insert(rec: TestRecord): void;
  /** embedding_ids matched by the compiled filter, in id order. */
  select(node: WhereNode): string[];
  explain(node: WhereNode): string;
}

export type SchemaKind = 'latest' | 'legacy-0.4.0' | 'no-fts' | 'no-arrays';

function bindScalar(s: TypedScalar, hasBool: boolean): [string, unknown] {
  switch (s.kind) {
    case 'string':
      return ['string_value', s.value];
    case 'int':
      return ['int_value', s.value];
    case 'float':
      return ['float_value', s.value];
    case 'bool':
      return hasBool ? ['bool_value', s.value ? 1n : 0n] : ['int_value', s.value ? 1n : 0n];
  }
}

/** `file`: a database file to create (a read of another connection, e.g. a worker's, then sees it); in memory by default. */
export function createSegment(kind: SchemaKind = 'latest', file = ':memory:'): Segment {
  const db = new Database(file);
  db.defaultSafeIntegers(true);
  db.pragma('foreign_keys = OFF');
  db.pragma('case_sensitive_like = ON');
  registerRegexp(db);
  let ddl = kind === 'legacy-0.4.0' ? LEGACY_DDL : LATEST_DDL;
  if (kind === 'no-fts') ddl = ddl.filter((s) => !s.includes('fts5'));
  if (kind === 'no-arrays') ddl = ddl.filter((s) => !s.includes('embedding_metadata_array'));
  for (const stmt of ddl) db.exec(stmt);
  const ctx: SqlFilterContext = {
    hasArrayTable: kind === 'latest' || kind === 'no-fts',
    ftsTable: kind === 'legacy-0.4.0' ? 'embedding_fulltext' : kind === 'no-fts' ? null : 'embedding_fulltext_search',
    hasBoolColumn: kind !== 'legacy-0.4.0',
  };
  const insertEmbedding = db.prepare(
    "INSERT INTO embeddings (segment_id, embedding_id, seq_id) VALUES ('seg', ?, ?) RETURNING id",
  );
  let seq = 0n;
  const insert = (rec: TestRecord) => {
    const row = insertEmbedding.get(rec.id, ++seq) as { id: bigint };
    const id = row.id;
    const meta = new Map(rec.metadata);
    if (rec.document !== null) meta.set('chroma:document', { kind: 'string', value: rec.document });
    for (const [key, value] of meta) {
      if (value.kind === 'array') {
        if (!ctx.hasArrayTable) throw new Error('array metadata needs the array table');
        for (const item of value.items) {
          const [col, v] = bindScalar(item, true);
          db.prepare(`INSERT INTO embedding_metadata_array (id, key, ${col}) VALUES (?, ?, ?)`).run(id, key, v);
        }
      } else {
        const [col, v] = bindScalar(value, ctx.hasBoolColumn);
        db.prepare(`INSERT INTO embedding_metadata (id, key, ${col}) VALUES (?, ?, ?)`).run(id, key, v);
      }
    }
    if (rec.document !== null) {
      if (ctx.ftsTable === 'embedding_fulltext_search') {
        db.prepare('INSERT INTO embedding_fulltext_search (rowid, string_value) VALUES (?, ?)').run(id, rec.document);
      } else if (ctx.ftsTable === 'embedding_fulltext') {
        db.prepare('INSERT INTO embedding_fulltext (id, string_value) VALUES (?, ?)').run(id, rec.document);
      }
    }
  };
  const select = (node: WhereNode) => {
    const { sql, params } = compileWhere(node, ctx);
    const rows = db.prepare(`SELECT e.embedding_id AS eid FROM embeddings e WHERE ${sql} ORDER BY e.id`).all(...params);
    return (rows as { eid: string }[]).map((r) => r.eid);
  };
  const explain = (node: WhereNode) => {
    const { sql, params } = compileWhere(node, ctx);
    const rows = db.prepare(`EXPLAIN QUERY PLAN SELECT e.id FROM embeddings e WHERE ${sql}`).all(...params);
    return (rows as { detail: string }[]).map((r) => r.detail).join('\n');
  };
  return { db, ctx, insert, select, explain };
}

// ---- typed value shorthands -------------------------------------------------------------------

export const S = (value: string): TypedScalar => ({ kind: 'string', value });
export const I = (value: number | bigint): TypedScalar => ({ kind: 'int', value: BigInt(value) });
export const F = (value: number): TypedScalar => ({ kind: 'float', value });
export const B = (value: boolean): TypedScalar => ({ kind: 'bool', value });

export function meta(entries: Record<string, TypedScalar | TypedScalar[]>): TypedMetadata {
  const m: TypedMetadata = new Map();
  for (const [k, v] of Object.entries(entries)) {
    if (Array.isArray(v)) m.set(k, { kind: 'array', elementKind: v[0]!.kind, items: v });
    else m.set(k, v);
  }
  return m;
}
