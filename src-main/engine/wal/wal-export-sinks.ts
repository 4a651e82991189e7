import type { SchemaElement } from 'hyparquet-writer';
import { EMBEDDING_LIST_SCHEMA, RowGroupParquetSink, TextSink, rowGroupRows, type ParquetColumn } from '../backup/export-sinks.js';
import { embeddingToJson } from '../backup/record-format.js';

/**
 * The WAL export format: one row per WAL entry, in seq order.
 *
 * Fields: `seq_id` (integer), `created_at` (Chroma's `YYYY-MM-DD HH:MM:SS` UTC text), `collection`
 * and `collection_id` (null when the entry belongs to no collection of the folder), `operation`
 * (ADD, UPDATE, UPSERT, DELETE, or what the code decodes to), `id`, `document` and `uri` (null
 * when the entry does not set them), `metadata` (the keys the entry sets, typed as in the record
 * export — `2` an int, `2.0` a float — with `null` for keys it removes; null when it names none),
 * `embedding` (the vector as a list of float32 values, null without one; left out on request).
 * JSONL writes `metadata` as a JSON object and one entry per line; Parquet as UTF8 JSON text, with
 * `embedding` a LIST<FLOAT>.
 */
export interface WalExportRow {
  seqId: number;
  createdAt: string;
  collection: string | null;
  collectionId: string | null;
  operation: string;
  id: string;
  document: string | null;
  uri: string | null;
  /** JSON text of the metadata object, or null. */
  metadataJson: string | null;
  embedding: Float32Array | null;
}

export interface WalSink {
  write(rows: readonly WalExportRow[]): Promise<void>;
  finish(): Promise<void>;
  close(): Promise<void>;
}

export class JsonlWalSink extends TextSink implements WalSink {
  constructor(
    file: string,
    private readonly embeddings: boolean,
  ) {
    super(file);
  }

  override async write(rows: readonly WalExportRow[]): Promise<void> {
    let text = '';
    for (const r of rows) {
      text +=
        `{"seq_id":${r.seqId},"created_at":${JSON.stringify(r.createdAt)},"collection":${JSON.stringify(r.collection)},` +
        `"collection_id":${JSON.stringify(r.collectionId)},"operation":${JSON.stringify(r.operation)},"id":${JSON.stringify(r.id)},` +
        `"document":${JSON.stringify(r.document)},"uri":${JSON.stringify(r.uri)},"metadata":${r.metadataJson ?? 'null'}` +
        `${this.embeddings ? `,"embedding":${embeddingToJson(r.embedding)}` : ''}}\n`;
    }
    await this.put(text);
  }
}

export const WAL_PARQUET_KV_KEY = 'chroma-inspector.wal-export';

function walParquetSchema(embeddings: boolean): SchemaElement[] {
  const text = (name: string, required = false): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: required ? 'REQUIRED' : 'OPTIONAL' });
  const cols: SchemaElement[] = [
    { name: 'seq_id', type: 'INT64', repetition_type: 'REQUIRED' },
    text('created_at'),
    text('collection'),
    text('collection_id'),
    text('operation', true),
    text('id', true),
    text('document'),
    text('uri'),
    text('metadata'),
  ];
  const list: SchemaElement[] = embeddings ? [...EMBEDDING_LIST_SCHEMA] : [];
  return [{ name: 'root', num_children: cols.length + (embeddings ? 1 : 0) }, ...cols, ...list];
}

export class ParquetWalSink extends RowGroupParquetSink<WalExportRow> implements WalSink {
  constructor(
    file: string,
    private readonly embeddings: boolean,
    kv: Record<string, unknown>,
    dimension: number,
  ) {
    super(file, walParquetSchema(embeddings), { key: WAL_PARQUET_KV_KEY, value: JSON.stringify(kv) }, rowGroupRows(dimension));
  }

  protected columns(rows: readonly WalExportRow[]): ParquetColumn[] {
    const col = <T>(name: string, f: (r: WalExportRow) => T) => ({ name, data: rows.map(f) });
    const cols: ParquetColumn[] = [
      col('seq_id', (r) => BigInt(r.seqId)),
      col('created_at', (r) => r.createdAt),
      col('collection', (r) => r.collection),
      col('collection_id', (r) => r.collectionId),
      col('operation', (r) => r.operation),
      col('id', (r) => r.id),
      col('document', (r) => r.document),
      col('uri', (r) => r.uri),
      col('metadata', (r) => r.metadataJson),
    ];
    if (this.embeddings) cols.push(col('embedding', (r) => (r.embedding ? Array.from(r.embedding) : null)));
    return cols;
  }
}
