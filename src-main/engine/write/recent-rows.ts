import type { SqliteDatabase } from '../sqlite/connection.js';
import type { WalRecord } from '../wal/decode-row.js';
import { readWalTail } from '../wal/read-wal.js';
import type { WriteOperation } from './wal-encode.js';

/** A WAL row as a vector persist replays it: no metadata, no documents. */
export type VectorRow = Pick<WalRecord, 'seqId' | 'operation' | 'id' | 'vector'>;

/** Memory kept for all topics together; past it the rows are dropped and read back from the WAL instead. */
const MAX_BYTES = 256 * 1024 * 1024;
/** A row's own cost beside its id and vector (the object, its fields, the array slot), roughly. */
const ROW_BYTES = 80;

/**
 * The vector rows this writer committed, per topic, until a checkpoint holds them: a persist (and
 * a build's extensions) would otherwise read back and decode the rows the writer has just written
 * (~10 µs a row). They are used only when the WAL above the asked seq holds exactly them — the same
 * count and the same last seq — so a row written or purged by anyone else falls back to the WAL.
 */
export class RecentRows {
  private readonly topics = new Map<string, VectorRow[]>();
  private bytes = 0;

  /** Rows seq `firstSeq`, `firstSeq + 1`, … of one committed write. */
  record(topic: string, firstSeq: number, operation: WriteOperation, records: readonly { id: string; vector?: Float32Array | null }[]): void {
    let rows = this.topics.get(topic);
    if (!rows) this.topics.set(topic, (rows = []));
    records.forEach((r, i) => {
      // As the WAL row decodes: a delete carries no vector, and an empty one is none. A copy: the
      // caller's array is theirs to reuse, and these must stay what the WAL holds.
      const vector = operation !== 'DELETE' && r.vector && r.vector.length > 0 ? r.vector.slice() : null;
      rows.push({ seqId: firstSeq + i, operation, id: r.id, vector });
      this.bytes += ROW_BYTES + r.id.length * 2 + (vector?.byteLength ?? 0);
    });
    if (this.bytes > MAX_BYTES) this.clear();
  }

  /** The topic's rows above `afterSeq`, in seq order: from memory when the WAL holds exactly those, else read from it. */
  tail(db: SqliteDatabase, topic: string, afterSeq: number): VectorRow[] {
    const rows = this.topics.get(topic);
    if (rows) {
      const from = firstAbove(rows, afterSeq);
      const mine = rows.length - from;
      const wal = db.prepare('SELECT count(*) AS n, max(seq_id) AS last FROM embeddings_queue WHERE topic = ? AND seq_id > ?').get(topic, afterSeq) as {
        n: number;
        last: number | null;
      };
      if (wal.n === mine && (mine === 0 || Number(wal.last) === rows[rows.length - 1]!.seqId)) return rows.slice(from);
    }
    return readWalTail(db, topic, afterSeq, { vectorsOnly: true });
  }

  /** Drops the topic's rows up to `seq` (a checkpoint now holds them). */
  forget(topic: string, seq: number): void {
    const rows = this.topics.get(topic);
    if (!rows) return;
    const from = firstAbove(rows, seq);
    for (let i = 0; i < from; i++) this.bytes -= ROW_BYTES + rows[i]!.id.length * 2 + (rows[i]!.vector?.byteLength ?? 0);
    if (from === rows.length) this.topics.delete(topic);
    else rows.splice(0, from);
  }

  clear(): void {
    this.topics.clear();
    this.bytes = 0;
  }
}

/** Index of the first row with seqId > seq (rows are in seq order). */
function firstAbove(rows: readonly VectorRow[], seq: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]!.seqId > seq) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
