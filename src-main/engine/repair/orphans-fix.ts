import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FixStepReport } from '../../../shared/models.js';
import { readCatalog } from '../catalog/read-catalog.js';
import { isUuid, listSegmentFolders } from '../folder/folder-files.js';
import { throwIfAborted } from '../backup/task.js';
import { count, emptyReport, type FixContext } from './fix-step.js';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Removes what deleted collections left behind (docs/format.md §3.7, F4, F12), the way Chroma
 * deletes a collection, so nothing of a dead collection can resurface: segment rows of missing
 * collections; `embeddings` rows of missing segments with their metadata, array and full-text rows;
 * metadata and array rows of records that no longer exist (a new record reusing the internal id
 * would inherit them); `max_seq_id`, `segment_metadata` and `collection_metadata` rows of missing
 * owners; WAL rows whose topic names a collection that no longer exists; and segment folders that
 * belong to no segment. Live records are never touched, so no answer changes.
 */
export async function fixOrphans(ctx: FixContext): Promise<FixStepReport> {
  const report = emptyReport('orphans');
  const { db, probe } = ctx.writer;
  const has = (t: string) => probe.hasTable(t);
  const catalog = readCatalog(db, probe);
  const liveSegments = new Set(catalog.collections.flatMap((c) => c.segments.map((s) => s.id)));
  const collectionIds = new Set(catalog.collections.map((c) => c.id));
  const liveTopics = new Set(catalog.collections.map((c) => c.topic));

  ctx.say('orphans: removing rows of deleted collections');
  ctx.writer.immediate(() => {
    db.exec('CREATE TEMP TABLE repair_live_seg(id TEXT PRIMARY KEY)');
    const ins = db.prepare('INSERT INTO repair_live_seg(id) VALUES (?)');
    for (const id of liveSegments) ins.run(id);
    const run = (key: string, sql: string, what: string, ...params: unknown[]) => {
      const n = db.prepare(sql).run(...params).changes;
      if (n > 0) {
        count(report, key, n);
        report.actions.push(`deleted ${n} ${what}`);
      }
    };
    run('segmentRows', 'DELETE FROM segments WHERE id NOT IN (SELECT id FROM repair_live_seg)', 'segment row(s) whose collection no longer exists');
    if (has('embeddings')) {
      db.exec('CREATE TEMP TABLE repair_dead_emb AS SELECT id FROM embeddings WHERE segment_id NOT IN (SELECT id FROM repair_live_seg)');
      const dead = (db.prepare('SELECT count(*) AS n FROM repair_dead_emb').get() as { n: number }).n;
      if (dead > 0) {
        // Full-text, metadata and array rows of those records first, as Chroma's delete does.
        if (has('embedding_fulltext_search')) db.exec('DELETE FROM embedding_fulltext_search WHERE rowid IN (SELECT id FROM repair_dead_emb)');
        if (has('embedding_fulltext')) db.exec('DELETE FROM embedding_fulltext WHERE id IN (SELECT id FROM repair_dead_emb)');
        for (const t of ['embedding_metadata', 'embedding_metadata_array']) {
          if (has(t)) db.exec(`DELETE FROM ${quote(t)} WHERE id IN (SELECT id FROM repair_dead_emb)`);
        }
        run('embeddingRows', 'DELETE FROM embeddings WHERE id IN (SELECT id FROM repair_dead_emb)', 'record(s) of segments that no longer exist (embeddings rows, with their metadata and full-text rows)');
      }
      db.exec('DROP TABLE repair_dead_emb');
      for (const t of ['embedding_metadata', 'embedding_metadata_array']) {
        if (has(t)) run(`${t}Rows`, `DELETE FROM ${quote(t)} WHERE id NOT IN (SELECT id FROM embeddings)`, `${t} row(s) of records that no longer exist (failure F12)`);
      }
      if (has('embedding_fulltext_search')) {
        run('fullTextRows', 'DELETE FROM embedding_fulltext_search WHERE rowid NOT IN (SELECT id FROM embeddings)', 'full-text row(s) of records that no longer exist');
      }
    }
    if (has('max_seq_id')) run('maxSeqIdRows', 'DELETE FROM max_seq_id WHERE segment_id NOT IN (SELECT id FROM repair_live_seg)', 'max_seq_id row(s) of segments that no longer exist');
    if (has('segment_metadata')) {
      run('segmentMetadataRows', 'DELETE FROM segment_metadata WHERE segment_id NOT IN (SELECT id FROM repair_live_seg)', 'segment_metadata row(s) of segments that no longer exist');
    }
    if (has('collection_metadata')) {
      run('collectionMetadataRows', 'DELETE FROM collection_metadata WHERE collection_id NOT IN (SELECT id FROM collections)', 'collection_metadata row(s) of collections that no longer exist');
    }
    if (has('embeddings_queue')) {
      // Only topics that name a collection id (their last part) which is certainly gone.
      const topics = (db.prepare('SELECT DISTINCT topic FROM embeddings_queue').all() as { topic: string }[]).map((r) => r.topic);
      const del = db.prepare('DELETE FROM embeddings_queue WHERE topic = ?');
      for (const topic of topics) {
        const id = topic.split('/').pop() ?? '';
        if (liveTopics.has(topic) || !isUuid(id) || collectionIds.has(id)) continue;
        const n = del.run(topic).changes;
        count(report, 'walRows', n);
        report.actions.push(`deleted ${n} WAL row(s) of deleted collection ${id}`);
      }
    }
    db.exec('DROP TABLE repair_live_seg');
  });

  for (const name of listSegmentFolders(ctx.dir)) {
    throwIfAborted(ctx.signal);
    if (liveSegments.has(name)) continue;
    rmSync(join(ctx.dir, name), { recursive: true, force: true });
    count(report, 'segmentFolders', 1);
    report.actions.push(`removed segment folder ${name}: no segment owns it (left by a deleted collection)`);
  }
  report.changed = report.actions.length > 0;
  if (!report.changed) report.skipped.push('no orphaned rows or folders');
  return report;
}
