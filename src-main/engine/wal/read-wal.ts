import type { SqliteDatabase } from '../sqlite/connection.js';
import { decodeWalRow, type RawWalRow, type WalRecord } from './decode-row.js';

const COLUMNS = 'seq_id, created_at, operation, topic, id, vector, encoding, metadata';

const VECTOR_COLUMNS = "seq_id, created_at, operation, topic, id, vector, encoding, NULL AS metadata";

/**
 * The collection's WAL rows after `afterSeq`, decoded, in seq order. The vector replay needs no
 * metadata, and skipping its JSON is most of the cost on a WAL-only folder.
 */
export function readWalTail(db: SqliteDatabase, topic: string, afterSeq: number, opts: { vectorsOnly?: boolean } = {}): WalRecord[] {
  const rows = db
    .prepare(`SELECT ${opts.vectorsOnly ? VECTOR_COLUMNS : COLUMNS} FROM embeddings_queue WHERE topic = ? AND seq_id > ? ORDER BY seq_id`)
    .all(topic, afterSeq) as RawWalRow[];
  return rows.map(decodeWalRow);
}

/** The newest `limit` rows with seq ≤ `upToSeq`, newest first: what a checkpoint already holds. */
export function readWalBefore(db: SqliteDatabase, topic: string, upToSeq: number, limit: number): WalRecord[] {
  const rows = db
    .prepare(`SELECT ${VECTOR_COLUMNS} FROM embeddings_queue WHERE topic = ? AND seq_id <= ? ORDER BY seq_id DESC LIMIT ?`)
    .all(topic, upToSeq, limit) as RawWalRow[];
  return rows.map(decodeWalRow);
}

export function countWalRows(db: SqliteDatabase, topic: string, afterSeq = -1): number {
  return (db.prepare('SELECT count(*) AS n FROM embeddings_queue WHERE topic = ? AND seq_id > ?').get(topic, afterSeq) as { n: number }).n;
}

/** Whether the collection's WAL has a row after `afterSeq`: one seek, where countWalRows counts them all. */
export function hasWalRowsAfter(db: SqliteDatabase, topic: string, afterSeq: number): boolean {
  return db.prepare('SELECT EXISTS (SELECT 1 FROM embeddings_queue WHERE topic = ? AND seq_id > ?)').pluck().safeIntegers(false).get(topic, afterSeq) === 1;
}

export { COLUMNS as WAL_COLUMNS };
