import type { TypedMetadata, TypedScalar, TypedValue } from '../util/typed-value.js';
import { parseWalMetadata } from '../wal/typed-json.js';

/**
 * The record format of `export` and `import`, shared by JSONL, CSV and Parquet.
 *
 * One record = `id` (string), `document` (string or null), `uri` (string or null), `metadata`
 * (object or null) and `embedding` (array of float32 values or null). Fields left out of the
 * export's `include` are left out of the file (JSONL keys / CSV and Parquet columns).
 *
 * JSONL: one JSON object per line, keys in the order id, document, uri, metadata, embedding, UTF-8,
 *   `\n` line ends, nothing else in the file.
 * CSV (export only): RFC 4180, header `id,document,uri,metadata,embedding` (included fields
 *   only), `\r\n` line ends; `metadata` and `embedding` hold the same JSON text as in JSONL. A null
 *   value is an empty unquoted field, an empty string is `""`.
 * Parquet: columns `id` (UTF8, required), `document`, `uri`, `metadata` (UTF8 holding the JSON
 *   text below, optional), `embedding` (LIST<FLOAT>, optional); row groups of rowGroupRows(dimension) rows;
 *   key-value metadata `chroma-inspector.export` describes the source collection.
 *
 * Metadata JSON keeps Chroma's types exactly, with the same rule Chroma's own WAL uses
 * (docs/format.md §4.3): an integer literal (`2`, `-7`, up to i64) is an int; a number with a
 * `.` or an exponent (`2.0`, `1e-7`) is a float, so integral floats are written `2.0`;
 * `true`/`false` are bools; strings are strings; a non-empty homogeneous array of one of those is
 * an array metadata value. ±Infinity are written `1e999`/`-1e999` (which parse back to floats);
 * NaN cannot be exported. Embeddings are written as the shortest decimal that parses back to the
 * same float32, so values survive a round trip bit for bit.
 */

export interface ExportRecord {
  id: string;
  document?: string | null;
  uri?: string | null;
  metadata?: TypedMetadata | null;
  embedding?: Float32Array | null;
}

export type RecordField = 'document' | 'uri' | 'metadata' | 'embedding';
export const RECORD_FIELDS: readonly RecordField[] = ['document', 'uri', 'metadata', 'embedding'];

function floatText(v: number): string {
  if (Number.isNaN(v)) throw new Error('NaN cannot be exported (JSON has no NaN)');
  if (v === Infinity) return '1e999';
  if (v === -Infinity) return '-1e999';
  if (Object.is(v, -0)) return '-0.0';
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

function scalarText(s: TypedScalar): string {
  switch (s.kind) {
    case 'string':
      return JSON.stringify(s.value);
    case 'int':
      return s.value.toString();
    case 'float':
      return floatText(s.value);
    case 'bool':
      return s.value ? 'true' : 'false';
  }
}

function valueText(v: TypedValue): string {
  return v.kind === 'array' ? `[${v.items.map(scalarText).join(',')}]` : scalarText(v);
}

/** Typed metadata → JSON text (`null` for none), keys in storage order. */
export function metadataToJson(md: TypedMetadata | null | undefined): string {
  if (!md || md.size === 0) return 'null';
  const parts: string[] = [];
  for (const [k, v] of md) {
    try {
      parts.push(`${JSON.stringify(k)}:${valueText(v)}`);
    } catch (err) {
      throw new Error(`metadata key "${k}": ${(err as Error).message}`, { cause: err });
    }
  }
  return `{${parts.join(',')}}`;
}

/** JSON text (an object or `null`) → typed metadata; keys with null values are dropped. */
export function metadataFromJson(text: string): TypedMetadata | null {
  if (text.trim() === 'null' || text.trim() === '') return null;
  const { values } = parseWalMetadata(text);
  return values.size === 0 ? null : values;
}

/** The shortest decimal that parses back to the same float32. */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`embedding value ${v} cannot be exported`);
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const fits = (p: number) => Math.fround(Number(v.toPrecision(p))) === v;
  let p = 6;
  if (fits(p)) while (p > 1 && fits(p - 1)) p--;
  else while (p < 9 && !fits(p)) p++;
  return String(Number(v.toPrecision(p)));
}

export function embeddingToJson(e: ArrayLike<number> | null | undefined): string {
  if (!e) return 'null';
  const parts = new Array<string>(e.length);
  for (let i = 0; i < e.length; i++) parts[i] = float32Text(Math.fround(e[i]!));
  return `[${parts.join(',')}]`;
}

/** One JSONL line (without the newline). */
export function recordToJsonLine(r: ExportRecord, fields: ReadonlySet<RecordField>): string {
  let s = `{"id":${JSON.stringify(r.id)}`;
  if (fields.has('document')) s += `,"document":${JSON.stringify(r.document ?? null)}`;
  if (fields.has('uri')) s += `,"uri":${JSON.stringify(r.uri ?? null)}`;
  if (fields.has('metadata')) s += `,"metadata":${metadataToJson(r.metadata)}`;
  if (fields.has('embedding')) s += `,"embedding":${embeddingToJson(r.embedding)}`;
  return `${s}}`;
}
