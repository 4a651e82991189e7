import { isLosslessNumber, parse, stringify } from 'lossless-json';
import { InspectorError } from '../../../shared/errors.js';
import { embeddingToJson, metadataToJson } from '../../engine/backup/record-format.js';
import type { TypedMetadata } from '../../engine/util/typed-value.js';
import { parseWalMetadata } from '../../engine/wal/typed-json.js';

/**
 * Record data on the wire of Chroma's v2 HTTP API, without losing types. Chroma (serde) reads an
 * integer literal as an int and anything with `.` or an exponent as a float, and writes floats
 * that way too (`2.0`); JSON.parse and JSON.stringify would turn 2.0 into 2 and so an int. So
 * answers are parsed with lossless-json and metadata keeps each number's text, and requests are
 * written with floats spelled as floats.
 */

/** One record as a copy carries it: typed metadata without Chroma's reserved `chroma:*` keys. */
export interface TypedRecord {
  id: string;
  document: string | null;
  uri: string | null;
  metadata: TypedMetadata | null;
  embedding: Float32Array | null;
}

/** Parses an answer; every number stays a LosslessNumber holding its text. */
export const parseLossless = (text: string): unknown => parse(text);

/** A LosslessNumber (or plain number) as a JS number; null for anything else. */
export function numberOf(v: unknown): number | null {
  if (isLosslessNumber(v)) return Number(v.value);
  return typeof v === 'number' ? v : null;
}

/**
 * A metadata object of a lossless parse → typed metadata, by the same rule Chroma's WAL uses
 * (typed-json.ts): its JSON text is written back verbatim, numbers as they came.
 */
export function typedMetadataOf(value: unknown, where: string): TypedMetadata | null {
  if (value === null || value === undefined) return null;
  let typed: TypedMetadata;
  try {
    typed = parseWalMetadata(stringify(value) ?? 'null').values;
  } catch (err) {
    // E.g. a sparse vector (an object value in newer Chroma): nothing this copy can carry typed.
    throw new InspectorError('INVALID_ARGUMENT', `${where}: metadata ${(err as Error).message}; only strings, numbers, booleans and lists of them can be copied`);
  }
  return typed.size === 0 ? null : typed;
}

/** Metadata as a copy carries it: Chroma's own `chroma:*` keys (document, uri) travel in their own fields. */
export function userMetadata(md: TypedMetadata | null | undefined): TypedMetadata | null {
  if (!md || md.size === 0) return null;
  if (![...md.keys()].some((k) => k.startsWith('chroma:'))) return md;
  const out: TypedMetadata = new Map([...md].filter(([k]) => !k.startsWith('chroma:')));
  return out.size === 0 ? null : out;
}

/** An embedding of a lossless parse → float32 (Chroma stores float32; its JSON is the shortest float32 text). */
export function embeddingOf(value: unknown): Float32Array | null {
  if (!Array.isArray(value)) return null;
  const out = new Float32Array(value.length);
  for (let i = 0; i < value.length; i++) out[i] = numberOf(value[i]) ?? Number.NaN;
  return out;
}

/** Little-endian float32 bytes in base64: what Chroma decodes when pre-flight says supports_base64_encoding. */
export function embeddingBase64(e: Float32Array): string {
  const bytes = Buffer.alloc(e.length * 4);
  for (let i = 0; i < e.length; i++) bytes.writeFloatLE(e[i]!, i * 4);
  return bytes.toString('base64');
}

/**
 * The JSON text of each record in an add body, field by field, so a caller can cut batches by
 * size before joining them (Chroma refuses bodies over its max payload, 40 MB by default).
 */
export interface EncodedRecord {
  id: string;
  embedding: string;
  document: string;
  uri: string;
  metadata: string;
  bytes: number;
}

export function encodeRecord(r: TypedRecord, base64: boolean): EncodedRecord {
  if (!r.embedding) throw new Error(`record ${JSON.stringify(r.id)} has no embedding`);
  const out = {
    id: JSON.stringify(r.id),
    embedding: base64 ? JSON.stringify(embeddingBase64(r.embedding)) : embeddingToJson(r.embedding),
    document: JSON.stringify(r.document),
    uri: JSON.stringify(r.uri),
    metadata: metadataToJson(r.metadata),
    bytes: 0,
  };
  // UTF-8 bytes, as the server counts its payload limit (the embedding text is ASCII).
  out.bytes = Buffer.byteLength(out.id) + out.embedding.length + Buffer.byteLength(out.document) + Buffer.byteLength(out.uri) + Buffer.byteLength(out.metadata) + 5;
  return out;
}

/** The body of `/add`: ids, embeddings, documents, uris and metadatas in one order. */
export function addBody(records: readonly EncodedRecord[]): string {
  const list = (pick: (r: EncodedRecord) => string) => `[${records.map(pick).join(',')}]`;
  return `{"ids":${list((r) => r.id)},"embeddings":${list((r) => r.embedding)},"documents":${list((r) => r.document)},"uris":${list((r) => r.uri)},"metadatas":${list((r) => r.metadata)}}`;
}
