import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { ParquetWriter, fileWriter, type SchemaElement } from 'hyparquet-writer';
import { embeddingToJson, metadataToJson, recordToJsonLine, type ExportRecord, type RecordField } from './record-format.js';

/** Where exported pages go. `write` is called once per page; `finish` completes the file. */
export interface RecordSink {
  write(records: readonly ExportRecord[]): Promise<void>;
  finish(): Promise<void>;
  /** Stops writing (the caller deletes the partial file). */
  close(): Promise<void>;
}

export class TextSink implements RecordSink {
  private readonly out: WriteStream;
  private failed: Error | null = null;

  constructor(file: string) {
    this.out = createWriteStream(file, { flags: 'wx' });
    this.out.on('error', (e) => (this.failed ??= e));
  }

  protected async put(text: string): Promise<void> {
    if (this.failed) throw this.failed;
    if (!this.out.write(text)) {
      await new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          this.out.off('drain', onDrain);
          this.out.off('error', done);
          if (err) reject(err);
          else resolve();
        };
        const onDrain = () => done();
        this.out.on('drain', onDrain);
        this.out.on('error', done);
      });
    }
    if (this.failed) throw this.failed;
  }

  async write(_records: readonly ExportRecord[]): Promise<void> {}

  async finish(): Promise<void> {
    if (this.failed) throw this.failed;
    await new Promise<void>((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
    if (this.failed) throw this.failed;
  }

  async close(): Promise<void> {
    if (this.out.closed) return;
    const closed = once(this.out, 'close').catch(() => undefined);
    this.out.destroy();
    await closed;
  }
}

export class JsonlSink extends TextSink {
  constructor(
    file: string,
    private readonly fields: ReadonlySet<RecordField>,
  ) {
    super(file);
  }

  override async write(records: readonly ExportRecord[]): Promise<void> {
    let text = '';
    for (const r of records) text += `${recordToJsonLine(r, this.fields)}\n`;
    await this.put(text);
  }
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break, or when it is the empty string. */
function csvField(v: string | null): string {
  if (v === null) return '';
  if (v === '' || /[",\r\n]/.test(v)) return `"${v.replace(/"/g, '""')}"`;
  return v;
}

export class CsvSink extends TextSink {
  private headerDone = false;

  constructor(
    file: string,
    private readonly fields: ReadonlySet<RecordField>,
  ) {
    super(file);
  }

  private header(): string {
    return `${['id', ...['document', 'uri', 'metadata', 'embedding'].filter((f) => this.fields.has(f as RecordField))].join(',')}\r\n`;
  }

  override async write(records: readonly ExportRecord[]): Promise<void> {
    let text = this.headerDone ? '' : this.header();
    this.headerDone = true;
    for (const r of records) {
      const cells = [csvField(r.id)];
      if (this.fields.has('document')) cells.push(csvField(r.document ?? null));
      if (this.fields.has('uri')) cells.push(csvField(r.uri ?? null));
      if (this.fields.has('metadata')) cells.push(csvField(r.metadata && r.metadata.size > 0 ? metadataToJson(r.metadata) : null));
      if (this.fields.has('embedding')) cells.push(csvField(r.embedding ? embeddingToJson(r.embedding) : null));
      text += `${cells.join(',')}\r\n`;
    }
    await this.put(text);
  }

  override async finish(): Promise<void> {
    if (!this.headerDone) await this.put(this.header());
    await super.finish();
  }
}

export const PARQUET_KV_KEY = 'chroma-inspector.export';

/** An optional `embedding` column: a LIST<FLOAT> of the vector's float32 values. */
export const EMBEDDING_LIST_SCHEMA: readonly SchemaElement[] = [
  { name: 'embedding', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
];

export function parquetSchema(fields: ReadonlySet<RecordField>): SchemaElement[] {
  const cols: SchemaElement[] = [{ name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' }];
  for (const f of ['document', 'uri', 'metadata'] as const) {
    if (fields.has(f)) cols.push({ name: f, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
  }
  const list: SchemaElement[] = fields.has('embedding') ? [...EMBEDDING_LIST_SCHEMA] : [];
  return [{ name: 'root', num_children: cols.length + (list.length ? 1 : 0) }, ...cols, ...list];
}

/**
 * Rows per Parquet row group: about 32 MiB of embeddings, 100 to 10,000 rows. It depends only on
 * the dimension, never on the export's page size, so the same records always give the same file.
 */
export function rowGroupRows(dimension: number | null): number {
  return Math.max(100, Math.min(10_000, Math.floor((32 * 1024 * 1024) / (4 * (dimension ?? 0) + 512))));
}

export type ParquetColumn = { name: string; data: unknown[] };

/**
 * Parquet through hyparquet-writer: rows are buffered into row groups of `groupRows`, each flushed
 * to disk when full; subclasses say how a group of rows becomes columns.
 */
export abstract class RowGroupParquetSink<Row> {
  private readonly writer: ParquetWriter;
  private buffered: Row[] = [];

  constructor(file: string, schema: SchemaElement[], kv: { key: string; value: string }, private readonly groupRows: number) {
    this.writer = new ParquetWriter({ writer: fileWriter(file), schema, kvMetadata: [kv], createdBy: 'chroma-inspector' });
  }

  protected abstract columns(rows: readonly Row[]): ParquetColumn[];

  async write(rows: readonly Row[]): Promise<void> {
    this.buffered.push(...rows);
    while (this.buffered.length >= this.groupRows) await this.flush(this.buffered.splice(0, this.groupRows));
  }

  private async flush(rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    await this.writer.write({ columnData: this.columns(rows) as Parameters<ParquetWriter['write']>[0]['columnData'], rowGroupSize: rows.length });
  }

  async finish(): Promise<void> {
    await this.flush(this.buffered.splice(0));
    await this.writer.finish();
  }

  async close(): Promise<void> {
    this.buffered = [];
  }
}

/** The record export's Parquet file: the requested fields, metadata as JSON text. */
export class ParquetSink extends RowGroupParquetSink<ExportRecord> implements RecordSink {
  constructor(
    file: string,
    private readonly fields: ReadonlySet<RecordField>,
    kv: Record<string, unknown>,
    groupRows: number,
  ) {
    super(file, parquetSchema(fields), { key: PARQUET_KV_KEY, value: JSON.stringify(kv) }, groupRows);
  }

  protected columns(records: readonly ExportRecord[]): ParquetColumn[] {
    const cols: ParquetColumn[] = [{ name: 'id', data: records.map((r) => r.id) }];
    if (this.fields.has('document')) cols.push({ name: 'document', data: records.map((r) => r.document ?? null) });
    if (this.fields.has('uri')) cols.push({ name: 'uri', data: records.map((r) => r.uri ?? null) });
    if (this.fields.has('metadata')) cols.push({ name: 'metadata', data: records.map((r) => (r.metadata && r.metadata.size > 0 ? metadataToJson(r.metadata) : null)) });
    if (this.fields.has('embedding')) cols.push({ name: 'embedding', data: records.map((r) => (r.embedding ? Array.from(r.embedding) : null)) });
    return cols;
  }
}
