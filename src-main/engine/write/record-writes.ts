import { InspectorError, invalidArgument } from '../../../shared/errors.js';
import type { TypedValue } from '../util/typed-value.js';
import type { FolderWriter } from './folder-writer.js';
import { MetadataApplier } from './metadata-apply.js';
import { schemaWithKeys } from './schema-keys.js';
import { WAL_OPERATION_CODES, encodeVector, encodeWalMetadata, type WriteOperation } from './wal-encode.js';
import { PURGE_ROWS_PER_STEP, purgeWal, type PurgeTarget } from './wal-purge.js';

/** Chroma's local max batch size: SQLite's MAX_VARIABLE_NUMBER / 6 (docs/format.md §7.6). */
export const MAX_BATCH_SIZE = 5461;

/** One record of an add / update / upsert / delete call, already validated and typed. */
export interface RecordWrite {
  id: string;
  vector?: Float32Array | null;
  /** Keys to set, or to delete (null). */
  metadata?: ReadonlyMap<string, TypedValue | null> | null;
  /** undefined: not touched. */
  document?: string | null;
  uri?: string | null;
}

export interface CollectionTarget extends PurgeTarget {
  collectionId: string;
}

export interface WriteResult {
  firstSeq: number;
  lastSeq: number;
  /** The collection's dimension after the write. */
  dimension: number | null;
}

/**
 * One add / update / upsert / delete call, atomically (docs/format.md §8.3): in one
 * `BEGIN IMMEDIATE` transaction the WAL rows are appended with explicit seq ids (docs/format.md §4.4), applied to
 * the metadata segment (docs/format.md §5.3), the metadata max_seq_id, dimension and schema keys are updated and
 * the WAL purged. Vectors reach the HNSW checkpoint later (see vector-persist.ts); until then the
 * WAL holds them, as it does in Chroma.
 */
export function writeRecords(w: FolderWriter, t: CollectionTarget, op: WriteOperation, records: readonly RecordWrite[]): WriteResult {
  const era = w.era;
  if (records.length === 0) return { firstSeq: 0, lastSeq: 0, dimension: null };
  for (const r of records) {
    if (r.id === '') throw invalidArgument('Empty ID, ID must have at least one character');
    if ((op === 'ADD' || op === 'UPSERT') && !r.vector) throw invalidArgument(`${op} needs an embedding for every record (missing for "${r.id}")`);
    if (!era.arrays) {
      for (const [key, v] of r.metadata ?? []) {
        if (v?.kind === 'array') {
          throw invalidArgument(
            `Metadata value for key '${key}' is a list: this folder's Chroma (${era.label}) stores no array metadata (that needs Chroma 1.5 / metadb 00006)`,
          );
        }
      }
    }
  }
  const dims = new Set(records.filter((r) => r.vector).map((r) => r.vector!.length));
  if (dims.size > 1) throw invalidArgument('Inconsistent dimensions in provided embeddings');
  const dim = dims.size === 1 ? [...dims][0]! : null;

  const result = w.immediate(() => {
    const db = w.db;
    const row = db.prepare(`SELECT dimension${era.schemaStr ? ', schema_str' : ''} FROM collections WHERE id = ?`).get(t.collectionId) as
      | { dimension: number | null; schema_str?: string | null }
      | undefined;
    if (!row) throw new InspectorError('NOT_FOUND', `Collection ${t.collectionId} does not exist`, { id: t.collectionId });
    let dimension = row.dimension === null ? null : Number(row.dimension);
    if (dim !== null) {
      if (dimension !== null && dimension !== dim) {
        throw new InspectorError('DIMENSION_MISMATCH', `Collection expecting embedding with dimension of ${dimension}, got ${dim}`, {
          expected: dimension,
          got: dim,
        });
      }
      if (dimension === null && (op === 'ADD' || op === 'UPSERT')) {
        db.prepare('UPDATE collections SET dimension = ? WHERE id = ?').run(dim, t.collectionId);
        dimension = dim;
      }
    }

    const insert = db.prepare('INSERT INTO embeddings_queue (seq_id, operation, topic, id, vector, encoding, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const applier = new MetadataApplier(w, t.metadataSegmentId);
    const firstSeq = w.nextSeqId();
    let seq = firstSeq;
    for (const r of records) {
      const document = op === 'DELETE' ? undefined : r.document;
      const uri = op === 'DELETE' ? undefined : r.uri;
      const metadata = op === 'DELETE' ? null : (r.metadata ?? null);
      const vector = op === 'DELETE' ? null : (r.vector ?? null);
      insert.run(
        seq,
        WAL_OPERATION_CODES[op],
        t.topic,
        r.id,
        vector ? encodeVector(vector) : null,
        vector ? 'FLOAT32' : null,
        encodeWalMetadata({ metadata, document, uri }, era.walStyle),
      );
      applier.apply({ seq, operation: op, id: r.id, metadata, document, uri });
      seq++;
    }
    const lastSeq = seq - 1;
    w.setSeq(t.metadataSegmentId, lastSeq);
    if (era.schemaStr && op !== 'DELETE') {
      const schema = schemaWithKeys(row.schema_str ?? null, records.map((r) => r.metadata ?? null));
      if (schema !== null) db.prepare('UPDATE collections SET schema_str = ? WHERE id = ?').run(schema, t.collectionId);
    }
    // Bounded, as the background purge behind a published checkpoint is (wal-purge.ts): what is
    // left goes with that purge or the next writes.
    purgeWal(w, t, PURGE_ROWS_PER_STEP);
    return { firstSeq, lastSeq, dimension };
  });
  // Committed: the persist that replays these rows takes them from memory.
  w.recent.record(t.topic, result.firstSeq, op, records);
  return result;
}
