import type { SqliteDatabase } from '../sqlite/connection.js';
import { readWalTail } from '../wal/read-wal.js';

export interface WalVector {
  vector: Float32Array;
  /** The seq of the row that set it. */
  seqId: number;
}

/**
 * The last vector the WAL still holds for each of `ids`, replayed with Chroma's rules
 * (docs/format.md §6.8) over whatever rows remain, oldest first: ADD sets a vector unless the id
 * is live, UPDATE and UPSERT replace it, DELETE clears it. The WAL may have been purged below
 * these rows, so an UPDATE of an id whose ADD is gone still counts (the record exists: it is one
 * of `ids`), unless a DELETE after it is visible. What cannot be told apart in a purged WAL: an ADD
 * of an id that was already live before the purged part (Chroma skipped it) — a duplicate add,
 * which the chromadb clients refuse (docs/format.md §8.5).
 */
export function latestWalVectors(db: SqliteDatabase, topic: string, ids: ReadonlySet<string>, dimension: number): Map<string, WalVector> {
  const state = new Map<string, WalVector | null>();
  for (const row of readWalTail(db, topic, -1, { vectorsOnly: true })) {
    if (!ids.has(row.id)) continue;
    const vector = row.vector && row.vector.length === dimension ? row.vector : null;
    const current = state.get(row.id);
    switch (row.operation) {
      case 'ADD':
        if (current || !vector) continue;
        state.set(row.id, { vector, seqId: row.seqId });
        break;
      case 'UPDATE':
        // An update of an id deleted in the visible log is ignored, as Chroma ignores it.
        if (current === null || !vector) continue;
        state.set(row.id, { vector, seqId: row.seqId });
        break;
      case 'UPSERT':
        if (vector) state.set(row.id, { vector, seqId: row.seqId });
        break;
      case 'DELETE':
        state.set(row.id, null);
        break;
      default:
        break;
    }
  }
  const out = new Map<string, WalVector>();
  for (const [id, v] of state) if (v) out.set(id, v);
  return out;
}
