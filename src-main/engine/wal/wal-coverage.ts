import type { ChromaFolder } from '../chroma-folder.js';
import type { CatalogCollection } from '../catalog/read-catalog.js';
import { decodeSeqId } from '../sqlite/seq-id.js';

/** Whether a collection's WAL still holds every entry since the collection was created. */
export interface WalCoverage {
  collection: CatalogCollection;
  /** The first WAL seq still present for it (null: no row). */
  firstSeq: number | null;
  rows: number;
  complete: boolean;
  /** Why not, when not complete. */
  why: string | null;
}

/** Whether Chroma may have purged this folder's WAL: purging switched on, or a vacuum ran (docs/format.md §4.6). */
function purgingPossible(folder: ChromaFolder): boolean {
  const { db, probe } = folder.ctx;
  if (probe.hasTable('maintenance_log') && db.prepare('SELECT 1 FROM maintenance_log LIMIT 1').get()) return true;
  if (!probe.hasTable('embeddings_queue_config')) return false;
  const row = db.prepare('SELECT config_json_str AS j FROM embeddings_queue_config ORDER BY id LIMIT 1').get() as { j: string | null } | undefined;
  if (!row) return false;
  try {
    return Boolean((JSON.parse(row.j ?? '{}') as { automatically_purge?: unknown }).automatically_purge);
  } catch {
    return true; // unreadable: assume the worst
  }
}

const OP_ADD = 0;
const OP_UPSERT = 2;
const OP_DELETE = 3;

/**
 * Checks, per collection, that the WAL still starts at the collection's first write (docs/format.md
 * §4.6): Chroma deletes the rows below min(M, V) once both segments applied them, keeping the row
 * at the minimum. Two tests, either of which marks the WAL incomplete:
 * 1. the record ids the WAL builds up to M (ADD and UPSERT create, DELETE removes) differ from the
 *    metadata segment's — records whose creating entries are gone;
 * 2. purging was possible, a checkpoint seq V exists, and the first row left sits at or above
 *    min(M, V): where a purge leaves it (entries that were created and later deleted leave no
 *    other trace).
 * Runs inside the caller's read transaction.
 */
export function walCoverage(folder: ChromaFolder): WalCoverage[] {
  const { db } = folder.ctx;
  const purging = purgingPossible(folder);
  return folder.collectionReaders().map((reader) => {
    const c = reader.catalog;
    const stats = db.prepare('SELECT min(seq_id) AS first, count(*) AS n FROM embeddings_queue WHERE topic = ?').get(c.topic) as { first: number | null; n: number };
    const firstSeq = stats.first === null ? null : Number(stats.first);
    const M = reader.metadataSeq();
    const base = { collection: c, firstSeq, rows: stats.n };
    if (c.metadataSegment) {
      const ids = new Set<string>();
      for (const r of db.prepare('SELECT operation, id FROM embeddings_queue WHERE topic = ? AND seq_id <= ? ORDER BY seq_id').iterate(c.topic, M) as Iterable<{ operation: number; id: string }>) {
        if (r.operation === OP_ADD || r.operation === OP_UPSERT) ids.add(r.id);
        else if (r.operation === OP_DELETE) ids.delete(r.id);
      }
      const stored = db.prepare('SELECT embedding_id FROM embeddings WHERE segment_id = ?').pluck(true).all(c.metadataSegment.id) as string[];
      const missing = stored.filter((id) => !ids.has(id));
      if (missing.length > 0) {
        return { ...base, complete: false, why: `${missing.length} stored record(s), e.g. "${missing[0]}", were written by WAL entries that are gone` };
      }
      if (stored.length !== ids.size) {
        return { ...base, complete: false, why: `its WAL up to seq ${M} names ${ids.size - stored.length} record(s) its metadata segment does not hold` };
      }
    }
    const vRow = c.vectorSegment ? db.prepare('SELECT seq_id FROM max_seq_id WHERE segment_id = ?').pluck(true).get(c.vectorSegment.id) : undefined;
    const V = Math.max(decodeSeqId(vRow) ?? 0, reader.vectorSeq());
    if (purging && V > 0 && firstSeq !== null && firstSeq >= Math.min(M, V)) {
      return { ...base, complete: false, why: `purging is on and its WAL starts at seq ${firstSeq}, where a purge leaves it (min of the segments' seqs ${M} and ${V})` };
    }
    return { ...base, complete: true, why: null };
  });
}
