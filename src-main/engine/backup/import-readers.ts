import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { isLosslessNumber, parse } from 'lossless-json';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { ScalarKind } from '../../../shared/models.js';
import { invalidArgument } from '../../../shared/errors.js';
import type { TypedMetadata, TypedScalar } from '../util/typed-value.js';
import { metadataFromJson } from './record-format.js';
import { PARQUET_KV_KEY } from './export-sinks.js';
import { throwIfAborted } from './task.js';

/** A record read from an export file. `undefined` = the file has no such field. */
export interface ImportRecord {
  id: string;
  document?: string | null;
  uri?: string | null;
  metadata?: TypedMetadata | null;
  embedding?: number[] | null;
}

export interface ImportBatch {
  records: ImportRecord[];
  /** Rows (Parquet) or bytes (JSONL) consumed so far, against `total` of readerTotal(). */
  position: number;
}

const I64_MAX = 2n ** 63n - 1n;
const I64_MIN = -(2n ** 63n);

/** A parsed JSON number keeps its text: `2` is an int, `2.0` a float (record-format.ts). */
function typedScalar(v: unknown, where: string): TypedScalar {
  if (isLosslessNumber(v)) {
    const text = v.value;
    if (/^-?\d+$/.test(text)) {
      const big = BigInt(text);
      if (big >= I64_MIN && big <= I64_MAX) return { kind: 'int', value: big };
    }
    return { kind: 'float', value: Number(text) };
  }
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  throw invalidArgument(`${where}: unsupported metadata value ${JSON.stringify(v)}`);
}

function typedMetadata(raw: unknown, where: string): TypedMetadata | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidArgument(`${where}: "metadata" must be an object or null`);
  const md: TypedMetadata = new Map();
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (v === null) continue;
    if (Array.isArray(v)) {
      if (v.length === 0) throw invalidArgument(`${where}: metadata key "${k}" is an empty array`);
      let items = v.map((x) => typedScalar(x, `${where}: metadata key "${k}"`));
      const kinds = new Set(items.map((x) => x.kind));
      let elementKind: ScalarKind = items[0]!.kind;
      if (kinds.size > 1) {
        if (![...kinds].every((x) => x === 'int' || x === 'float')) throw invalidArgument(`${where}: metadata key "${k}" mixes types`);
        elementKind = 'float';
        items = items.map((x) => (x.kind === 'int' ? { kind: 'float', value: Number(x.value) } : x));
      }
      md.set(k, { kind: 'array', elementKind, items });
    } else md.set(k, typedScalar(v, `${where}: metadata key "${k}"`));
  }
  return md.size === 0 ? null : md;
}

function optionalString(raw: Record<string, unknown>, key: string, where: string): string | null | undefined {
  if (!(key in raw)) return undefined;
  const v = raw[key];
  if (v === null || typeof v === 'string') return v;
  throw invalidArgument(`${where}: "${key}" must be a string or null`);
}

function embedding(raw: unknown, where: string): number[] | null {
  if (raw === null || raw === undefined) return null;
  if (!Array.isArray(raw)) throw invalidArgument(`${where}: "embedding" must be an array of numbers or null`);
  return raw.map((x) => {
    const n = isLosslessNumber(x) ? Number(x.value) : typeof x === 'number' ? x : NaN;
    if (!Number.isFinite(n)) throw invalidArgument(`${where}: "embedding" holds a non-number ${JSON.stringify(x)}`);
    return n;
  });
}

/** Parses one JSONL line of the export format. */
export function parseJsonLine(line: string, where: string): ImportRecord {
  let raw: unknown;
  try {
    raw = parse(line);
  } catch (err) {
    throw invalidArgument(`${where}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalidArgument(`${where}: not a JSON object`);
  const o = raw as Record<string, unknown>;
  if (typeof o.id !== 'string' || o.id === '') throw invalidArgument(`${where}: "id" must be a non-empty string`);
  const rec: ImportRecord = { id: o.id };
  const doc = optionalString(o, 'document', where);
  if (doc !== undefined) rec.document = doc;
  const uri = optionalString(o, 'uri', where);
  if (uri !== undefined) rec.uri = uri;
  if ('metadata' in o) rec.metadata = typedMetadata(o.metadata, where);
  if ('embedding' in o) rec.embedding = embedding(o.embedding, where);
  return rec;
}

/** Streams a JSONL export in batches; blank lines are skipped. */
export async function* readJsonl(file: string, batchSize: number, signal?: AbortSignal): AsyncGenerator<ImportBatch> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let batch: ImportRecord[] = [];
  let n = 0;
  let bytes = 0;
  try {
    for await (const line of lines) {
      n++;
      bytes += Buffer.byteLength(line) + 1;
      if (line.trim() === '') continue;
      batch.push(parseJsonLine(line, `${file}:${n}`));
      if (batch.length >= batchSize) {
        throwIfAborted(signal);
        yield { records: batch, position: bytes };
        batch = [];
      }
    }
    if (batch.length > 0) yield { records: batch, position: bytes };
  } finally {
    lines.close();
  }
}

export interface ParquetInfo {
  rows: number;
  columns: string[];
  /** The `chroma-inspector.export` key-value metadata, when the file has it. */
  exportInfo: Record<string, unknown> | null;
}

export async function parquetInfo(file: string): Promise<ParquetInfo> {
  const buf = await asyncBufferFromFile(file);
  const md = await parquetMetadataAsync(buf);
  const kv = md.key_value_metadata?.find((k) => k.key === PARQUET_KV_KEY)?.value;
  let exportInfo: Record<string, unknown> | null;
  try {
    exportInfo = kv ? (JSON.parse(kv) as Record<string, unknown>) : null;
  } catch {
    exportInfo = null;
  }
  const columns = md.schema.slice(1).filter((s) => s.name !== 'list' && s.name !== 'element').map((s) => s.name);
  return { rows: Number(md.num_rows), columns, exportInfo };
}

/** Streams a Parquet export in batches of rows (hyparquet reads only the byte ranges it needs). */
export async function* readParquet(file: string, batchSize: number, signal?: AbortSignal): AsyncGenerator<ImportBatch> {
  const buf = await asyncBufferFromFile(file);
  const info = await parquetInfo(file);
  if (!info.columns.includes('id')) throw invalidArgument(`${file}: no "id" column; not an export of this tool`);
  const has = (c: string) => info.columns.includes(c);
  for (let start = 0; start < info.rows; start += batchSize) {
    throwIfAborted(signal);
    const end = Math.min(info.rows, start + batchSize);
    const rows = (await parquetReadObjects({ file: buf, rowStart: start, rowEnd: end })) as Record<string, unknown>[];
    const records = rows.map((row, i): ImportRecord => {
      const where = `${file}: row ${start + i + 1}`;
      if (typeof row.id !== 'string' || row.id === '') throw invalidArgument(`${where}: "id" must be a non-empty string`);
      const rec: ImportRecord = { id: row.id };
      if (has('document')) rec.document = (row.document as string | null | undefined) ?? null;
      if (has('uri')) rec.uri = (row.uri as string | null | undefined) ?? null;
      if (has('metadata')) {
        const text = row.metadata as string | null | undefined;
        try {
          rec.metadata = text === null || text === undefined ? null : metadataFromJson(text);
        } catch (err) {
          throw invalidArgument(`${where}: "metadata" is not valid metadata JSON (${(err as Error).message})`);
        }
      }
      if (has('embedding')) rec.embedding = (row.embedding as number[] | null | undefined) ?? null;
      return rec;
    });
    yield { records, position: end };
  }
}
