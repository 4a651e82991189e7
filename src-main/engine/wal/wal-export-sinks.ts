import { ParquetWriter, fileWriter, type SchemaElement } from 'hyparquet-writer';
import { TextSink } from '../backup/export-sinks.js';
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
  const list: SchemaElement[] = embeddings
    ? [
        { name: 'embedding', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
      ]
    : [];
  return [{ name: 'root', num_children: cols.length + (embeddings ? 1 : 0) }, ...cols, ...list];
}

/** Rows per row group: about 32 MiB of vectors, 100 to 10,000 rows, from the widest vector seen. */
const groupRows = (dimension: number) => Math.max(100, Math.min(10_000, Math.floor((32 * 1024 * 1024) / (4 * dimension + 512))));

export class ParquetWalSink implements WalSink {
  private readonly writer: ParquetWriter;
  private buffered: WalExportRow[] = [];

  constructor(
    file: string,
    private readonly embeddings: boolean,
    kv: Record<string, unknown>,
    private readonly dimension: number,
  ) {
    this.writer = new ParquetWriter({
      writer: fileWriter(file),
      schema: walParquetSchema(embeddings),
      kvMetadata: [{ key: WAL_PARQUET_KV_KEY, value: JSON.stringify(kv) }],
      createdBy: 'chroma-inspector',
    });
  }

  async write(rows: readonly WalExportRow[]): Promise<void> {
    this.buffered.push(...rows);
    const size = groupRows(this.dimension);
    while (this.buffered.length >= size) await this.flush(this.buffered.splice(0, size));
  }

  private async flush(rows: readonly WalExportRow[]): Promise<void> {
    if (rows.length === 0) return;
    const col = <T>(name: string, f: (r: WalExportRow) => T) => ({ name, data: rows.map(f) });
    const cols: { name: string; data: unknown[] }[] = [
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
    await this.writer.write({ columnData: cols as Parameters<ParquetWriter['write']>[0]['columnData'], rowGroupSize: rows.length });
  }

  async finish(): Promise<void> {
    await this.flush(this.buffered.splice(0));
    await this.writer.finish();
  }

  async close(): Promise<void> {
    this.buffered = [];
  }
}
