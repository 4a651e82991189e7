import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PICKLE_FILE } from '../hnsw/segment-files.js';
import type { FolderWriter } from './folder-writer.js';
import { QUEUE_CONFIG_JSON } from './create-folder.js';
import { nextTurn } from '../util/next-turn.js';

export interface PurgeTarget {
  topic: string;
  metadataSegmentId: string;
  vectorSegmentId: string;
}

/**
 * `embeddings_queue_config.automatically_purge` (docs/format.md §4.6). A missing row is created
 * the way Chroma creates it: purging on only if the queue is empty, so a folder upgraded from
 * before 0.5.6 keeps its WAL until the user vacuums.
 */
export function purgeEnabled(w: FolderWriter): boolean {
  const row = w.db.prepare('SELECT config_json_str AS j FROM embeddings_queue_config WHERE id = 1').get() as { j: string | null } | undefined;
  if (!row) {
    const empty = (w.db.prepare('SELECT count(*) AS n FROM embeddings_queue').get() as { n: number }).n === 0;
    const json = empty ? QUEUE_CONFIG_JSON : QUEUE_CONFIG_JSON.replace('true', 'false');
    w.db.prepare('INSERT INTO embeddings_queue_config (id, config_json_str) VALUES (1, ?)').run(json);
    return empty;
  }
  try {
    return Boolean((JSON.parse(row.j ?? '{}') as { automatically_purge?: unknown }).automatically_purge);
  } catch {
    return false;
  }
}

/**
 * Deletes the collection's WAL rows that both segments have applied: `seq_id < min(M, V)`, the
 * row at the minimum kept, as Chroma does. Rust counts V as 0 while the vector segment has no
 * pickle; Python counts a missing row as -1. Runs inside the caller's transaction.
 */
export function purgeWal(w: FolderWriter, t: PurgeTarget, limit?: number): number {
  if (!purgeEnabled(w)) return 0;
  const absent = w.era.rustCore ? 0 : -1;
  const m = w.readSeq(t.metadataSegmentId) ?? absent;
  let v = w.readSeq(t.vectorSegmentId) ?? absent;
  if (w.era.rustCore && !existsSync(join(w.dir, t.vectorSegmentId, PICKLE_FILE))) v = 0;
  const below = Math.min(m, v);
  if (below <= 0) return 0;
  if (limit === undefined) return w.db.prepare('DELETE FROM embeddings_queue WHERE topic = ? AND seq_id < ?').run(t.topic, below).changes;
  // The lowest `limit` of them (seq_id is the rowid: the inner select walks it in order).
  const some = 'DELETE FROM embeddings_queue WHERE seq_id IN (SELECT seq_id FROM embeddings_queue WHERE topic = ? AND seq_id < ? ORDER BY seq_id LIMIT ?)';
  return w.db.prepare(some).run(t.topic, below, limit).changes;
}

/** Rows a background purge deletes per transaction (~25 ms at 128 dimensions: fewer, larger pieces, since each commit waits for its fsyncs). */
export const PURGE_ROWS_PER_STEP = 5_000;

/**
 * purgeWal in the background, a bounded number of rows per transaction, each on a turn of the
 * event loop of its own: a persist that checkpointed tens of thousands of rows deleted them in one
 * transaction (~50 ms per 10,000 rows of 128 dimensions) inside the call that published it.
 * FolderWriter.backgroundDone() waits for it. A failure (the database busy) leaves the rows: the
 * next write's purge takes them, and a reader skips rows below the checkpoints anyway.
 */
export function purgeWalLater(w: FolderWriter, t: PurgeTarget, rowsPerStep = PURGE_ROWS_PER_STEP): void {
  const purge = async () => {
    for (;;) {
      await nextTurn();
      if (!w.db.open) return;
      // Off this thread; a process found holding the folder ends the purge (the rows stay).
      await w.checkOtherProcesses();
      if (!w.db.open) return;
      // Readers skip these rows anyway: they keep what they have (FolderWriter.unseenCommit).
      if (w.whileClear(() => w.unseenCommit(() => w.immediate(() => purgeWal(w, t, rowsPerStep)))) < rowsPerStep) return;
    }
  };
  w.inBackground(purge().catch(() => undefined));
}
