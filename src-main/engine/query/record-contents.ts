import type { TypedMetadata, TypedScalar, TypedValue } from '../util/typed-value.js';
import type { FolderContext } from '../collection/folder-context.js';
import type { SqliteStatement } from '../sqlite/connection.js';
import { readTypedValues } from '../catalog/typed-columns.js';
import { DOCUMENT_KEY, URI_KEY } from '../wal/decode-row.js';

export interface RecordContents {
  metadata: TypedMetadata;
  document: string | null;
  uri: string | null;
}

const CHUNK = 20000;

interface ContentStatements {
  scalar: SqliteStatement;
  array: SqliteStatement | null;
}

/**
 * The two statements per open database: preparing them is about a third of a warm query's
 * contents load (a query's include reads ten records). Keyed by the context, which the folder
 * replaces when it reopens its database, so a statement never outlives its connection.
 */
const statements = new WeakMap<FolderContext, ContentStatements>();

function contentStatements(ctx: FolderContext): ContentStatements {
  let cached = statements.get(ctx);
  if (cached) return cached;
  const { db, probe } = ctx;
  const t = 'embedding_metadata';
  const scalar = db
    .prepare(
      `SELECT id, key, ${probe.col(t, 'string_value', 's')}, ${probe.col(t, 'int_value', 'i')},
       ${probe.col(t, 'float_value', 'f')}, ${probe.col(t, 'bool_value', 'b')}
       FROM embedding_metadata WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id, rowid`,
    )
    .safeIntegers(true)
    .raw(true);
  const a = 'embedding_metadata_array';
  const array = ctx.filterContext.hasArrayTable
    ? db
        .prepare(
          `SELECT id, key, ${probe.col(a, 'string_value', 's')}, ${probe.col(a, 'int_value', 'i')},
           ${probe.col(a, 'float_value', 'f')}, ${probe.col(a, 'bool_value', 'b')}
           FROM embedding_metadata_array WHERE id IN (SELECT value FROM json_each(?)) ORDER BY rowid`,
        )
        .safeIntegers(true)
        .raw(true)
    : null;
  statements.set(ctx, (cached = { scalar, array }));
  return cached;
}

/**
 * Metadata, document and uri of records by internal id (embeddings.id). Array values come from
 * embedding_metadata_array in table order, as Chroma reads them.
 */
export function loadRecordContents(ctx: FolderContext, internalIds: readonly number[]): Map<number, RecordContents> {
  const out = new Map<number, RecordContents>();
  if (internalIds.length === 0) return out;
  const { scalar: scalarStmt, array: arrayStmt } = contentStatements(ctx);
  const entry = (id: number): RecordContents => {
    let e = out.get(id);
    if (!e) out.set(id, (e = { metadata: new Map(), document: null, uri: null }));
    return e;
  };
  // Raw rows (arrays): id, key, string, int, float, bool. Objects per row cost a third of the read.
  type Row = [bigint, string, unknown, unknown, unknown, unknown];
  for (let start = 0; start < internalIds.length; start += CHUNK) {
    const json = JSON.stringify(internalIds.slice(start, start + CHUNK));
    for (const [rowId, key, s, i, f, b] of scalarStmt.all(json) as Row[]) {
      const rec = entry(Number(rowId));
      const value = readTypedValues(s, i, f, b);
      if (key === DOCUMENT_KEY) rec.document = value?.kind === 'string' ? value.value : null;
      else if (key === URI_KEY) rec.uri = value?.kind === 'string' ? value.value : null;
      else if (value) rec.metadata.set(key, value);
    }
    if (arrayStmt) {
      const pending = new Map<number, Map<string, TypedScalar[]>>();
      for (const [rowId, key, s, i, f, b] of arrayStmt.all(json) as Row[]) {
        const value = readTypedValues(s, i, f, b);
        if (!value) continue;
        const id = Number(rowId);
        let byKey = pending.get(id);
        if (!byKey) pending.set(id, (byKey = new Map()));
        let items = byKey.get(key);
        if (!items) byKey.set(key, (items = []));
        items.push(value);
      }
      for (const [id, byKey] of pending) {
        const rec = entry(id);
        for (const [key, items] of byKey) {
          const arr: TypedValue = { kind: 'array', elementKind: items[0]!.kind, items };
          rec.metadata.set(key, arr);
        }
      }
    }
  }
  return out;
}
