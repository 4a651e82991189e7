import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { parse as parseCsvText } from 'csv-parse/sync';
import { DuckDBInstance } from '@duckdb/node-api';

/**
 * Independent readers and an independent oracle for the export tests. Nothing here uses our
 * engine or our import readers: the expected records come from the SQLite tables and WAL that
 * real Chroma wrote (read with plain SQL), and exported files are read back with a strict JSON
 * tokenizer that keeps each number's text, `csv-parse`, and DuckDB's Parquet reader.
 */

export type Scalar = { kind: 'int'; value: bigint } | { kind: 'float'; value: number } | { kind: 'bool'; value: boolean } | { kind: 'string'; value: string };
export type Value = Scalar | { kind: 'array'; items: Scalar[] };

export interface SourceRecord {
  id: string;
  document: string | null;
  uri: string | null;
  metadata: Map<string, Value> | null;
}

export interface Source {
  collectionId: string;
  /** Live records in the metadata segment, in rowid order. */
  records: SourceRecord[];
  /**
   * Every live record's vector, replayed from the WAL Chroma wrote — only for collections whose
   * vector segment was never flushed (no max_seq_id row), where the WAL still holds every vector.
   */
  walVectors: Map<string, Float32Array> | null;
}

/** Reads a collection of a Chroma folder with plain SQL: records, typed metadata (by column), WAL vectors. */
export function readChromaSource(sqliteFile: string, ref: { name: string; tenant?: string; database?: string }): Source {
  const db = new Database(sqliteFile, { readonly: true, fileMustExist: true });
  db.defaultSafeIntegers(true);
  try {
    const col = db
      .prepare(
        `SELECT c.id FROM collections c JOIN databases d ON d.id = c.database_id WHERE c.name = ? AND d.name = ? AND d.tenant_id = ?`,
      )
      .get(ref.name, ref.database ?? 'default_database', ref.tenant ?? 'default_tenant') as { id: string } | undefined;
    if (!col) throw new Error(`no collection ${ref.name}`);
    const segment = (scope: string) => (db.prepare('SELECT id FROM segments WHERE collection = ? AND scope = ?').get(col.id, scope) as { id: string }).id;
    const metaSeg = segment('METADATA');
    const rows = db.prepare('SELECT id, embedding_id FROM embeddings WHERE segment_id = ? ORDER BY id').all(metaSeg) as { id: bigint; embedding_id: string }[];
    type Row = { id: bigint; key: string; string_value: string | null; int_value: bigint | null; float_value: number | null; bool_value: bigint | null };
    const scalar = (r: Row): Scalar => {
      if (r.string_value !== null) return { kind: 'string', value: r.string_value };
      if (r.int_value !== null) return { kind: 'int', value: r.int_value };
      if (r.float_value !== null) return { kind: 'float', value: Number(r.float_value) };
      if (r.bool_value !== null) return { kind: 'bool', value: r.bool_value !== 0n };
      throw new Error(`metadata row ${r.id}/${r.key} has no value`);
    };
    const byRow = new Map<bigint, SourceRecord>();
    const records = rows.map((r) => {
      const rec: SourceRecord = { id: r.embedding_id, document: null, uri: null, metadata: null };
      byRow.set(r.id, rec);
      return rec;
    });
    const md = (rec: SourceRecord) => (rec.metadata ??= new Map());
    for (const r of db.prepare('SELECT m.* FROM embedding_metadata m JOIN embeddings e ON e.id = m.id WHERE e.segment_id = ? ORDER BY m.rowid').all(metaSeg) as Row[]) {
      const rec = byRow.get(r.id)!;
      if (r.key === 'chroma:document') rec.document = r.string_value;
      else if (r.key === 'chroma:uri') rec.uri = r.string_value;
      else md(rec).set(r.key, scalar(r));
    }
    for (const r of db.prepare('SELECT m.* FROM embedding_metadata_array m JOIN embeddings e ON e.id = m.id WHERE e.segment_id = ? ORDER BY m.rowid').all(metaSeg) as Row[]) {
      const m = md(byRow.get(r.id)!);
      const v = m.get(r.key) ?? { kind: 'array', items: [] };
      if (v.kind !== 'array') throw new Error(`key ${r.key} is both a scalar and an array`);
      v.items.push(scalar(r));
      m.set(r.key, v);
    }

    const vectorSeg = segment('VECTOR');
    const flushed = db.prepare('SELECT 1 FROM max_seq_id WHERE segment_id = ?').get(vectorSeg) !== undefined;
    let walVectors: Map<string, Float32Array> | null = null;
    if (!flushed) {
      // Chroma's operations: 0 ADD (ignored for a live id), 1 UPDATE (live ids only), 2 UPSERT, 3 DELETE.
      walVectors = new Map();
      const live = new Set<string>();
      const ops = db.prepare('SELECT operation, id, vector, encoding FROM embeddings_queue WHERE topic LIKE ? ORDER BY seq_id').all(`%/${col.id}`) as {
        operation: bigint;
        id: string;
        vector: Buffer | null;
        encoding: string | null;
      }[];
      for (const op of ops) {
        const vec = op.vector && op.encoding === 'FLOAT32' ? new Float32Array(op.vector.buffer.slice(op.vector.byteOffset, op.vector.byteOffset + op.vector.byteLength)) : null;
        if (op.vector && op.encoding !== 'FLOAT32') throw new Error(`unexpected WAL encoding ${op.encoding}`);
        const kind = Number(op.operation);
        if (kind === 3) {
          live.delete(op.id);
          walVectors.delete(op.id);
        } else if (kind === 0 && live.has(op.id)) continue;
        else if (kind === 1 && !live.has(op.id)) continue;
        else {
          live.add(op.id);
          if (vec) walVectors.set(op.id, vec);
        }
      }
    }
    return { collectionId: col.id, records, walVectors };
  } finally {
    db.close();
  }
}

/** A JSON number as its source text. */
export class RawNumber {
  constructor(readonly raw: string) {}
}
export type RawJson = null | boolean | string | RawNumber | RawJson[] | { [k: string]: RawJson };

/** A strict JSON parser (RFC 8259) that keeps numbers as their text, so `2` and `2.0` stay apart. */
export function parseRawJson(text: string): RawJson {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`bad JSON at ${i}: ${what} in ${text.slice(Math.max(0, i - 20), i + 20)}`);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const value = (): RawJson => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      const obj: { [k: string]: RawJson } = {};
      ws();
      if (text[i] === '}') return i++, obj;
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const k = str();
        ws();
        if (text[i++] !== ':') fail('expected :');
        if (Object.hasOwn(obj, k)) fail(`duplicate key ${k}`);
        obj[k] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return i++, obj;
        else fail('expected , or }');
      }
    }
    if (ch === '[') {
      i++;
      const arr: RawJson[] = [];
      ws();
      if (text[i] === ']') return i++, arr;
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return i++, arr;
        else fail('expected , or ]');
      }
    }
    if (ch === '"') return str();
    for (const [lit, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(lit, i)) return (i += lit.length), v;
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail('expected a value');
    i += m![0].length;
    return new RawNumber(m![0]);
  };
  const str = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') {
      if (i >= text.length) fail('unterminated string');
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail('control character in string');
      i++;
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const v = value();
  ws();
  if (i !== text.length) fail('trailing text');
  return v;
}

/** Typed metadata from its raw JSON: a number with `.` or an exponent is a float, else an int. */
export function typedFromRaw(raw: RawJson): Map<string, Value> | null {
  if (raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw) || raw instanceof RawNumber) throw new Error(`metadata is not an object: ${JSON.stringify(raw)}`);
  const scalar = (v: RawJson): Scalar => {
    if (v instanceof RawNumber) return /[.eE]/.test(v.raw) ? { kind: 'float', value: Number(v.raw) } : { kind: 'int', value: BigInt(v.raw) };
    if (typeof v === 'boolean') return { kind: 'bool', value: v };
    if (typeof v === 'string') return { kind: 'string', value: v };
    throw new Error(`not a metadata scalar: ${JSON.stringify(v)}`);
  };
  return new Map(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? { kind: 'array', items: v.map(scalar) } : scalar(v)] as [string, Value]));
}

/** Embedding text (a JSON array of decimals) → float32 values; each must be a float32 exactly. */
export function float32sFromRaw(raw: RawJson): Float32Array | null {
  if (raw === null) return null;
  if (!Array.isArray(raw)) throw new Error('embedding is not an array');
  return Float32Array.from(raw.map((x) => {
    if (!(x instanceof RawNumber)) throw new Error(`embedding value ${JSON.stringify(x)} is not a number`);
    return Number(x.raw);
  }));
}

/** The record an exported file holds, read independently of our import readers. */
export interface FileRecord {
  id: string;
  document?: string | null;
  uri?: string | null;
  /** Metadata as parsed from the file's raw text (numbers keep their text). */
  rawMetadata?: RawJson;
  embedding?: Float32Array | null;
}

/** JSONL: every line is a JSON object; JSON.parse checks it, the raw tokenizer keeps number text. */
export function readJsonlFile(file: string): { records: FileRecord[]; keys: string[][] } {
  const text = readFileSync(file, 'utf8');
  if (text !== '' && !text.endsWith('\n')) throw new Error('JSONL must end with a newline');
  const lines = text === '' ? [] : text.slice(0, -1).split('\n');
  const records: FileRecord[] = [];
  const keys: string[][] = [];
  for (const line of lines) {
    JSON.parse(line);
    const raw = parseRawJson(line) as { [k: string]: RawJson };
    keys.push(Object.keys(raw));
    const r: FileRecord = { id: raw.id as string };
    if ('document' in raw) r.document = raw.document as string | null;
    if ('uri' in raw) r.uri = raw.uri as string | null;
    if ('metadata' in raw) r.rawMetadata = raw.metadata!;
    if ('embedding' in raw) r.embedding = float32sFromRaw(raw.embedding!);
    records.push(r);
  }
  return { records, keys };
}

/** CSV through csv-parse (RFC 4180); an empty unquoted field is null, `""` is the empty string. */
export function readCsvFile(file: string): { header: string[]; rows: (string | null)[][]; text: string } {
  const text = readFileSync(file, 'utf8');
  const all = parseCsvText(text, {
    record_delimiter: '\r\n',
    relax_quotes: false,
    relax_column_count: false,
    cast: (value: string, ctx: { quoting: boolean }) => (value === '' && !ctx.quoting ? null : value),
  }) as (string | null)[][];
  const [header, ...rows] = all;
  return { header: header as string[], rows, text };
}

export interface ParquetColumn {
  name: string;
  type: string;
}

/** Parquet through DuckDB's reader (not hyparquet): column types and rows in file order. */
export async function readParquetFile(file: string): Promise<{ columns: ParquetColumn[]; rows: Record<string, unknown>[] }> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const path = file.replace(/'/g, "''");
    const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
    const columns = described.getRowObjectsJS().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    const reader = await conn.runAndReadAll(`SELECT * EXCLUDE (file_row_number) FROM read_parquet('${path}', file_row_number = true) ORDER BY file_row_number`);
    return { columns, rows: reader.getRowObjectsJS() as Record<string, unknown>[] };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Chroma's distance for its space, computed in double from float32 inputs. */
export function distance(space: string, a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let l2 = 0;
  for (let k = 0; k < a.length; k++) {
    dot += a[k]! * b[k]!;
    na += a[k]! * a[k]!;
    nb += b[k]! * b[k]!;
    l2 += (a[k]! - b[k]!) ** 2;
  }
  if (space === 'l2') return l2;
  if (space === 'ip') return 1 - dot;
  if (space === 'cosine') return 1 - dot / (Math.sqrt(na) * Math.sqrt(nb));
  throw new Error(`unknown space ${space}`);
}
