import type { TypedScalar, TypedValue } from '../util/typed-value.js';
import { DOCUMENT_KEY, URI_KEY } from '../wal/decode-row.js';
import type { FolderWriter } from './folder-writer.js';
import type { WriteOperation } from './wal-encode.js';

/** One WAL row as the metadata segment applies it. */
export interface AppliedRow {
  seq: number;
  operation: WriteOperation;
  id: string;
  metadata: ReadonlyMap<string, TypedValue | null> | null;
  document: string | null | undefined;
  uri: string | null | undefined;
}

type Columns = [string | null, bigint | null, number | null, number | null];

function columns(s: TypedScalar): Columns {
  switch (s.kind) {
    case 'string':
      return [s.value, null, null, null];
    case 'int':
      return [null, s.value, null, null];
    case 'float':
      return [null, null, s.value, null];
    case 'bool':
      return [null, null, null, s.value ? 1 : 0];
  }
}

/**
 * Applies WAL rows to the metadata segment with Rust core's rules (docs/format.md §5.3), inside
 * the caller's transaction: embeddings rows keyed by (segment, user id) with the row's seq id,
 * typed embedding_metadata rows, array rows, the document twice (metadata + FTS, rowid =
 * embeddings.id). UPDATE and UPSERT merge: keys not mentioned are kept.
 */
export class MetadataApplier {
  private readonly stmts;
  private readonly hasArrays: boolean;

  constructor(
    private readonly w: FolderWriter,
    private readonly segmentId: string,
  ) {
    const db = w.db;
    this.hasArrays = w.era.arrays;
    this.stmts = {
      add: db.prepare(
        'INSERT INTO embeddings (segment_id, embedding_id, seq_id) VALUES (?, ?, ?) ON CONFLICT(segment_id, embedding_id) DO NOTHING RETURNING id',
      ),
      update: db.prepare('UPDATE embeddings SET seq_id = ? WHERE segment_id = ? AND embedding_id = ? RETURNING id'),
      upsert: db.prepare(
        'INSERT INTO embeddings (segment_id, embedding_id, seq_id) VALUES (?, ?, ?) ON CONFLICT(segment_id, embedding_id) DO UPDATE SET seq_id = excluded.seq_id RETURNING id',
      ),
      remove: db.prepare('DELETE FROM embeddings WHERE segment_id = ? AND embedding_id = ? RETURNING id'),
      setScalar: db.prepare(
        `INSERT INTO embedding_metadata (id, key, string_value, int_value, float_value, bool_value) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(id, key) DO UPDATE SET string_value = excluded.string_value, int_value = excluded.int_value,
           float_value = excluded.float_value, bool_value = excluded.bool_value`,
      ),
      deleteScalar: db.prepare('DELETE FROM embedding_metadata WHERE id = ? AND key = ?'),
      deleteAllScalars: db.prepare('DELETE FROM embedding_metadata WHERE id = ?'),
      deleteArray: this.hasArrays ? db.prepare('DELETE FROM embedding_metadata_array WHERE id = ? AND key = ?') : null,
      deleteAllArrays: this.hasArrays ? db.prepare('DELETE FROM embedding_metadata_array WHERE id = ?') : null,
      insertArray: this.hasArrays
        ? db.prepare('INSERT INTO embedding_metadata_array (id, key, string_value, int_value, float_value, bool_value) VALUES (?, ?, ?, ?, ?, ?)')
        : null,
      deleteFts: db.prepare('DELETE FROM embedding_fulltext_search WHERE rowid = ?'),
      insertFts: db.prepare('INSERT INTO embedding_fulltext_search (rowid, string_value) VALUES (?, ?)'),
    };
  }

  apply(row: AppliedRow): void {
    const seq = this.w.seqValue(row.seq);
    const s = this.stmts;
    const get = (r: unknown) => (r as { id: number } | undefined)?.id;
    switch (row.operation) {
      case 'ADD': {
        const id = get(s.add.get(this.segmentId, row.id, seq));
        if (id === undefined) return; // an existing id: Chroma ignores the ADD entirely
        this.writeMetadata(id, row);
        if (typeof row.document === 'string') s.insertFts.run(id, row.document);
        return;
      }
      case 'UPDATE': {
        const id = get(s.update.get(seq, this.segmentId, row.id));
        if (id === undefined) return;
        this.writeMetadata(id, row);
        this.replaceFts(id, row.document);
        return;
      }
      case 'UPSERT': {
        const id = get(s.upsert.get(this.segmentId, row.id, seq))!;
        this.writeMetadata(id, row);
        this.replaceFts(id, row.document);
        return;
      }
      case 'DELETE': {
        const id = get(s.remove.get(this.segmentId, row.id));
        if (id === undefined) return;
        s.deleteAllScalars.run(id);
        s.deleteAllArrays?.run(id);
        s.deleteFts.run(id);
        return;
      }
    }
  }

  private replaceFts(id: number, document: string | null | undefined) {
    if (document === undefined) return;
    this.stmts.deleteFts.run(id);
    if (document !== null) this.stmts.insertFts.run(id, document);
  }

  /** `write_metadata`: meta' = metadata + chroma:document + chroma:uri; merged key by key. */
  private writeMetadata(id: number, row: AppliedRow): void {
    const entries: [string, TypedValue | null][] = [...(row.metadata ?? [])];
    if (row.document !== undefined) entries.push([DOCUMENT_KEY, row.document === null ? null : { kind: 'string', value: row.document }]);
    if (row.uri !== undefined) entries.push([URI_KEY, row.uri === null ? null : { kind: 'string', value: row.uri }]);
    const s = this.stmts;
    for (const [key, value] of entries) {
      if (value === null) {
        s.deleteScalar.run(id, key);
        s.deleteArray?.run(id, key);
      } else if (value.kind === 'array') {
        s.deleteScalar.run(id, key);
        s.deleteArray!.run(id, key);
        for (const item of value.items) s.insertArray!.run(id, key, ...columns(item));
      } else {
        s.setScalar.run(id, key, ...columns(value));
        s.deleteArray?.run(id, key);
      }
    }
  }
}
