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

export function parquetSchema(fields: ReadonlySet<RecordField>): SchemaElement[] {
  const cols: SchemaElement[] = [{ name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' }];
  for (const f of ['document', 'uri', 'metadata'] as const) {
    if (fields.has(f)) cols.push({ name: f, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
  }
  const list: SchemaElement[] = fields.has('embedding')
    ? [
        { name: 'embedding', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
      ]
    : [];
  return [{ name: 'root', num_children: cols.length + (list.length ? 1 : 0) }, ...cols, ...list];
}

/**
 * Rows per Parquet row group: about 32 MiB of embeddings, 100 to 10,000 rows. It depends only on
 * the dimension, never on the export's page size, so the same records always give the same file.
 */
export function rowGroupRows(dimension: number | null): number {
  return Math.max(100, Math.min(10_000, Math.floor((32 * 1024 * 1024) / (4 * (dimension ?? 0) + 512))));
}

/** Parquet through hyparquet-writer: rows are buffered into row groups, each flushed to disk when full. */
export class ParquetSink implements RecordSink {
  private readonly writer: ParquetWriter;
  private buffered: ExportRecord[] = [];

  constructor(
    file: string,
    private readonly fields: ReadonlySet<RecordField>,
    kv: Record<string, unknown>,
    private readonly groupRows: number,
  ) {
    this.writer = new ParquetWriter({
      writer: fileWriter(file),
      schema: parquetSchema(fields),
      kvMetadata: [{ key: PARQUET_KV_KEY, value: JSON.stringify(kv) }],
      createdBy: 'chroma-inspector',
    });
  }

  async write(records: readonly ExportRecord[]): Promise<void> {
    this.buffered.push(...records);
    while (this.buffered.length >= this.groupRows) await this.flush(this.buffered.splice(0, this.groupRows));
  }

  private async flush(records: readonly ExportRecord[]): Promise<void> {
    if (records.length === 0) return;
    const columnData = [{ name: 'id', data: records.map((r) => r.id) }];
    if (this.fields.has('document')) columnData.push({ name: 'document', data: records.map((r) => r.document ?? null) as string[] });
    if (this.fields.has('uri')) columnData.push({ name: 'uri', data: records.map((r) => r.uri ?? null) as string[] });
    if (this.fields.has('metadata')) {
      columnData.push({ name: 'metadata', data: records.map((r) => (r.metadata && r.metadata.size > 0 ? metadataToJson(r.metadata) : null)) as string[] });
    }
    const cols: { name: string; data: unknown[] }[] = columnData;
    if (this.fields.has('embedding')) cols.push({ name: 'embedding', data: records.map((r) => (r.embedding ? Array.from(r.embedding) : null)) });
    await this.writer.write({ columnData: cols as Parameters<ParquetWriter['write']>[0]['columnData'], rowGroupSize: records.length });
  }

  async finish(): Promise<void> {
    await this.flush(this.buffered.splice(0));
    await this.writer.finish();
  }

  async close(): Promise<void> {
    this.buffered = [];
  }
}
