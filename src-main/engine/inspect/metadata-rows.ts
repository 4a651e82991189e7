import type { MetadataRowView, ScalarKind, Window } from '../../../shared/models.js';
import type { MetadataKeyInfo } from '../../../shared/contract.js';
import type { ChromaFolder } from '../chroma-folder.js';
import { readTypedColumns } from '../catalog/typed-columns.js';
import { scalarToPlain } from '../util/typed-value.js';

export interface MetadataRowsQuery {
  collectionId?: string | undefined;
  key?: string | undefined;
  offset: number;
  limit: number;
}

/** `embedding_metadata` (and array) rows as stored, typed, paged. */
export function readMetadataRows(folder: ChromaFolder, q: MetadataRowsQuery): Window<MetadataRowView> {
  // One read transaction: the reads below must all see the same committed state.
  return folder.snapshot(() => readMetadataRowsInSnapshot(folder, q));
}

function readMetadataRowsInSnapshot(folder: ChromaFolder, q: MetadataRowsQuery): Window<MetadataRowView> {
  const { db, probe, filterContext } = folder.ctx;
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (q.collectionId) {
    const seg = folder.collection(q.collectionId).catalog.metadataSegment;
    clauses.push('e.segment_id = ?');
    params.push(seg?.id ?? '');
  }
  if (q.key) {
    clauses.push('m.key = ?');
    params.push(q.key);
  }
  const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
  const cols = (t: string) =>
    `${probe.col(t, 'string_value', 's')}, ${probe.col(t, 'int_value', 'i')}, ${probe.col(t, 'float_value', 'f')}, ${probe.col(t, 'bool_value', 'b')}`;
  const scalar = `SELECT m.id AS id, e.embedding_id AS eid, e.segment_id AS seg, m.key AS key, ${cols('embedding_metadata')}, NULL AS arr, m.rowid AS rid
    FROM embedding_metadata m LEFT JOIN embeddings e ON e.id = m.id ${where}`;
  const array = filterContext.hasArrayTable
    ? ` UNION ALL SELECT m.id, e.embedding_id, e.segment_id, m.key, ${cols('embedding_metadata_array')}, 1, m.rowid
        FROM embedding_metadata_array m LEFT JOIN embeddings e ON e.id = m.id ${where}`
    : '';
  const allParams = filterContext.hasArrayTable ? [...params, ...params] : params;
  const total = (db.prepare(`SELECT count(*) AS n FROM (${scalar}${array})`).get(...allParams) as { n: number }).n;
  const rows = db
    .prepare(`SELECT * FROM (${scalar}${array}) ORDER BY id, key, rid LIMIT ? OFFSET ?`)
    .safeIntegers(true)
    .all(...allParams, q.limit, q.offset) as { id: bigint; eid: string | null; seg: string | null; key: string; s: unknown; i: unknown; f: unknown; b: unknown; arr: unknown; rid: bigint }[];
  const arrayIndex = new Map<string, number>();
  return {
    total,
    offset: q.offset,
    rows: rows.map((r) => {
      const v = readTypedColumns(r);
      let idx: number | null = null;
      if (r.arr !== null) {
        const k = `${r.id}\u0000${r.key}`;
        idx = arrayIndex.get(k) ?? 0;
        arrayIndex.set(k, idx + 1);
      }
      return {
        rowid: Number(r.id),
        embeddingId: r.eid ?? '(orphan)',
        segmentId: r.seg ?? '',
        key: r.key,
        type: (v?.kind ?? 'null') as ScalarKind | 'null',
        value: v ? scalarToPlain(v) : null,
        arrayIndex: idx,
      };
    }),
  };
}

/** The metadata keys of a collection with the value types seen, for grid columns and the filter builder. */
export function readMetadataKeys(folder: ChromaFolder, collectionId: string): MetadataKeyInfo[] {
  // One read transaction: the reads below must all see the same committed state.
  return folder.snapshot(() => readMetadataKeysInSnapshot(folder, collectionId));
}

function readMetadataKeysInSnapshot(folder: ChromaFolder, collectionId: string): MetadataKeyInfo[] {
  const { db, probe, filterContext } = folder.ctx;
  const seg = folder.collection(collectionId).catalog.metadataSegment;
  if (!seg) return [];
  const b = probe.hasColumn('embedding_metadata', 'bool_value') ? 'max(m.bool_value IS NOT NULL)' : '0';
  const rows = db
    .prepare(
      `SELECT m.key AS key, count(*) AS n, max(m.string_value IS NOT NULL) AS s, max(m.int_value IS NOT NULL) AS i,
        max(m.float_value IS NOT NULL) AS f, ${b} AS b
       FROM embedding_metadata m JOIN embeddings e ON e.id = m.id
       WHERE e.segment_id = ? AND m.key NOT LIKE 'chroma:%' GROUP BY m.key`,
    )
    .all(seg.id) as { key: string; n: number; s: number; i: number; f: number; b: number }[];
  const out = new Map<string, MetadataKeyInfo>();
  for (const r of rows) {
    const types = [r.s && 'string', r.i && 'int', r.f && 'float', r.b && 'bool'].filter(Boolean) as string[];
    out.set(r.key, { key: r.key, types, records: r.n });
  }
  if (filterContext.hasArrayTable) {
    const arr = db
      .prepare(
        `SELECT m.key AS key, count(DISTINCT m.id) AS n FROM embedding_metadata_array m JOIN embeddings e ON e.id = m.id
         WHERE e.segment_id = ? GROUP BY m.key`,
      )
      .all(seg.id) as { key: string; n: number }[];
    for (const r of arr) {
      const prev = out.get(r.key);
      out.set(r.key, { key: r.key, types: [...(prev?.types ?? []), 'array'], records: (prev?.records ?? 0) + r.n });
    }
  }
  return [...out.values()].sort((a, b2) => a.key.localeCompare(b2.key));
}
