import Database from 'better-sqlite3';
import type { CatalogCollection } from '../catalog/read-catalog.js';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Turns a COPY of chroma.sqlite3 into a database holding one collection, the way Chroma itself
 * deletes collections (docs/format.md §3.7) plus what Chroma forgets (embedding_metadata_array
 * rows), so real Chroma opens the result: the other collections' records, FTS rows, metadata,
 * segments, max_seq_id rows and WAL rows go; tenants, databases, migrations and the WAL config
 * stay. Then VACUUM, so no deleted page still carries the other collections' data.
 *
 * Only ever called on the backup's temp copy, never on a user's folder.
 */
export function pruneToCollection(tempDbFile: string, keep: CatalogCollection): void {
  const db = new Database(tempDbFile, { fileMustExist: true });
  try {
    db.pragma('foreign_keys = OFF');
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    const has = (t: string) => tables.has(t);
    const keepSegs = keep.segments.map((s) => s.id);
    db.transaction(() => {
      db.exec('CREATE TEMP TABLE keep_seg(id TEXT PRIMARY KEY)');
      const ins = db.prepare('INSERT INTO keep_seg(id) VALUES (?)');
      for (const id of keepSegs) ins.run(id);
      if (has('embeddings')) {
        db.exec('CREATE TEMP TABLE drop_emb AS SELECT id FROM embeddings WHERE segment_id NOT IN (SELECT id FROM keep_seg)');
        for (const fts of ['embedding_fulltext_search']) {
          if (has(fts)) db.exec(`DELETE FROM ${quote(fts)} WHERE rowid IN (SELECT id FROM drop_emb)`);
        }
        if (has('embedding_fulltext')) db.exec('DELETE FROM embedding_fulltext WHERE id IN (SELECT id FROM drop_emb)');
        for (const t of ['embedding_metadata', 'embedding_metadata_array']) {
          if (!has(t)) continue;
          db.exec(`DELETE FROM ${quote(t)} WHERE id IN (SELECT id FROM drop_emb)`);
          // Rows of records that no longer exist at all (left by earlier deletes, docs/format.md §3.7, failure F12).
          db.exec(`DELETE FROM ${quote(t)} WHERE id NOT IN (SELECT id FROM embeddings)`);
        }
        db.exec('DELETE FROM embeddings WHERE id IN (SELECT id FROM drop_emb)');
        db.exec('DROP TABLE drop_emb');
      }
      if (has('max_seq_id')) db.exec('DELETE FROM max_seq_id WHERE segment_id NOT IN (SELECT id FROM keep_seg)');
      if (has('segment_metadata')) db.exec('DELETE FROM segment_metadata WHERE segment_id NOT IN (SELECT id FROM keep_seg)');
      db.exec('DELETE FROM segments WHERE id NOT IN (SELECT id FROM keep_seg)');
      if (has('collection_metadata')) db.prepare('DELETE FROM collection_metadata WHERE collection_id IS NOT ?').run(keep.id);
      if (has('embeddings_queue')) db.prepare('DELETE FROM embeddings_queue WHERE topic IS NOT ?').run(keep.topic);
      db.prepare('DELETE FROM collections WHERE id IS NOT ?').run(keep.id);
      db.exec('DROP TABLE keep_seg');
    })();
    db.exec('VACUUM');
  } finally {
    db.close();
  }
}
