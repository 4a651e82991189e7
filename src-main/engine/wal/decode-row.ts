import type { WalOperation } from '../../../shared/models.js';
import type { TypedValue } from '../util/typed-value.js';
import { parseWalMetadata } from './typed-json.js';
import { HOST_IS_LITTLE_ENDIAN } from '../util/host-endianness.js';

export const OPERATIONS: Record<number, WalOperation> = { 0: 'ADD', 1: 'UPDATE', 2: 'UPSERT', 3: 'DELETE', 4: 'BACKFILL_FN' };

export interface RawWalRow {
  seq_id: number | bigint;
  created_at: string;
  operation: number;
  topic: string;
  id: string;
  vector: Buffer | null;
  encoding: string | null;
  metadata: string | null;
}

/** One WAL row decoded: what the record write asked for. */
export interface WalRecord {
  seqId: number;
  createdAt: string;
  operation: WalOperation;
  topic: string;
  id: string;
  vector: Float32Array | null;
  encoding: string | null;
  /** Metadata keys to set (without chroma:document / chroma:uri). */
  metadata: Map<string, TypedValue>;
  /** Keys set to null: deleted on update/upsert. */
  deletedKeys: string[];
  /** undefined: the row does not touch the document; null: the row deletes it. */
  document: string | null | undefined;
  uri: string | null | undefined;
  problem: string | null;
}

export const DOCUMENT_KEY = 'chroma:document';
export const URI_KEY = 'chroma:uri';

/** Decodes little-endian float32 bytes (Chroma's only vector encoding in practice). */
export function decodeVector(blob: Buffer): Float32Array {
  if (blob.length % 4 !== 0) throw new Error(`vector blob of ${blob.length} bytes is not a whole number of float32 values`);
  if (HOST_IS_LITTLE_ENDIAN) return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.length));
  const out = new Float32Array(blob.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = blob.readFloatLE(i * 4);
  return out;
}

export function decodeWalRow(row: RawWalRow): WalRecord {
  const problems: string[] = [];
  const operation = OPERATIONS[row.operation] ?? (`UNKNOWN(${row.operation})` as WalOperation);
  if (!(row.operation in OPERATIONS)) problems.push(`unknown operation code ${row.operation}`);
  let vector: Float32Array | null = null;
  if (row.vector && row.vector.length > 0) {
    if (row.encoding !== null && row.encoding !== 'FLOAT32') {
      problems.push(`vector encoding ${row.encoding} is not supported (Chroma itself cannot read it)`);
    } else {
      try {
        vector = decodeVector(row.vector);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
  }
  let metadata = new Map<string, TypedValue>();
  let deletedKeys: string[] = [];
  let document: string | null | undefined;
  let uri: string | null | undefined;
  if (row.metadata !== null && row.metadata !== undefined && row.metadata !== '') {
    try {
      const parsed = parseWalMetadata(row.metadata);
      metadata = parsed.values;
      deletedKeys = parsed.nulls;
      const doc = metadata.get(DOCUMENT_KEY);
      if (doc) {
        document = doc.kind === 'string' ? doc.value : undefined;
        if (doc.kind !== 'string') problems.push('chroma:document is not a string');
        metadata.delete(DOCUMENT_KEY);
      } else if (deletedKeys.includes(DOCUMENT_KEY)) {
        document = null;
      }
      const u = metadata.get(URI_KEY);
      if (u) {
        uri = u.kind === 'string' ? u.value : undefined;
        metadata.delete(URI_KEY);
      } else if (deletedKeys.includes(URI_KEY)) {
        uri = null;
      }
      deletedKeys = deletedKeys.filter((k) => k !== DOCUMENT_KEY && k !== URI_KEY);
    } catch (err) {
      problems.push(`metadata JSON: ${(err as Error).message}`);
    }
  }
  return {
    seqId: Number(row.seq_id),
    createdAt: row.created_at,
    operation,
    topic: row.topic,
    id: row.id,
    vector,
    encoding: row.encoding,
    metadata,
    deletedKeys,
    document,
    uri,
    problem: problems.length ? problems.join('; ') : null,
  };
}
