import { statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Orphans } from '../../../shared/models.js';
import type { Catalog } from '../catalog/read-catalog.js';
import type { SqliteDatabase } from '../sqlite/connection.js';
import type { SchemaProbe } from '../sqlite/schema-probe.js';
import { SQLITE_FILE } from '../folder/folder-files.js';
import { plural, type Findings } from './findings.js';

const LEFTOVER = 'Leftovers of deleted collections (docs/format.md §3.7, §9.2, F4)';
const REMOVE = 'Remove them on a copy (`fix --only orphans`).';

/** Bytes of the files directly inside a folder (segment folders are flat). */
export function folderBytes(dir: string): number {
  let total = 0;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isFile()) continue;
      try {
        total += statSync(join(dir, e.name)).size;
      } catch {
        /* vanished */
      }
    }
  } catch {
    /* unreadable: counted as empty */
  }
  return total;
}

const count = (db: SqliteDatabase, sql: string, ...params: unknown[]): number => (db.prepare(sql).get(...params) as { n: number }).n;

/**
 * What deleted collections left behind, as Chroma leaves it (docs/format.md §3.7): segment
 * folders, `embeddings` rows with their metadata and full-text rows, `max_seq_id` rows, segment
 * rows without a collection, array rows of records that no longer exist (which a new record can
 * inherit, F12), and WAL rows of no collection.
 */
export function checkOrphans(dir: string, db: SqliteDatabase, probe: SchemaProbe, catalog: Catalog, orphans: Orphans, findings: Findings): void {
  if (orphans.segmentFolders.length > 0) {
    const bytes = orphans.segmentFolders.reduce((s, f) => s + folderBytes(join(dir, f)), 0);
    findings.add({
      code: 'orphan.folder',
      severity: 'info',
      title: `${plural(orphans.segmentFolders.length, 'segment folder')} of no segment (${bytes} bytes)`,
      chromaWould: `Nothing: Chroma never looks at them, and never removes them. ${LEFTOVER}.`,
      fix: 'orphans',
      remedy: REMOVE,
      evidence: { numbers: { folders: orphans.segmentFolders.length, bytes }, segments: orphans.segmentFolders, files: orphans.segmentFolders },
    });
  }
  if (orphans.embeddingRows.length > 0) {
    const segs = orphans.embeddingRows.map((r) => r.segmentId);
    const rows = orphans.embeddingRows.reduce((s, r) => s + r.rows, 0);
    const dead = 'SELECT id FROM embeddings WHERE segment_id NOT IN (SELECT id FROM segments)';
    const metadataRows = probe.hasTable('embedding_metadata') ? count(db, `SELECT count(*) AS n FROM embedding_metadata WHERE id IN (${dead})`) : 0;
    const ftsRows = probe.hasTable('embedding_fulltext_search') ? count(db, `SELECT count(*) AS n FROM embedding_fulltext_search WHERE rowid IN (${dead})`) : 0;
    findings.add({
      code: 'orphan.embeddings',
      severity: 'info',
      title: `${plural(rows, 'record row')} of ${plural(segs.length, 'deleted segment')}, with ${metadataRows} metadata and ${ftsRows} full-text rows`,
      chromaWould: `Nothing: no collection reads them. ${LEFTOVER}.`,
      fix: 'orphans',
      remedy: REMOVE,
      evidence: { numbers: { embeddingRows: rows, metadataRows, ftsRows, segments: segs.length }, segments: segs, files: [SQLITE_FILE] },
    });
  }
  if (orphans.maxSeqIdRows.length > 0) {
    findings.add({
      code: 'orphan.max-seq-id',
      severity: 'info',
      title: `${plural(orphans.maxSeqIdRows.length, 'max_seq_id row')} of deleted segments`,
      chromaWould: `Nothing: no segment reads them. ${LEFTOVER}.`,
      fix: 'orphans',
      remedy: REMOVE,
      evidence: { numbers: { rows: orphans.maxSeqIdRows.length }, segments: orphans.maxSeqIdRows, files: [SQLITE_FILE] },
    });
  }
  if (catalog.danglingSegments.length > 0) {
    const nullCollection = catalog.danglingSegments.filter((s) => !s.collectionId).length;
    findings.add({
      code: 'orphan.segment-rows',
      severity: nullCollection > 0 ? 'warning' : 'info',
      title: `${plural(catalog.danglingSegments.length, 'segment row')} of no collection`,
      chromaWould:
        nullCollection > 0
          ? 'Chroma 0.5.6+ cannot migrate a segments row whose collection is NULL: sysdb/00009 fails and Chroma does not start (docs/format.md §9.2, F9).'
          : `Nothing: no collection reads them. ${LEFTOVER}.`,
      fix: 'orphans',
      remedy: REMOVE,
      evidence: { numbers: { rows: catalog.danglingSegments.length, nullCollection }, segments: catalog.danglingSegments.map((s) => s.id), files: [SQLITE_FILE] },
    });
  }
  // Metadata rows keyed by an internal id no embeddings row has any more (a reused id inherits them).
  const goneRecordTables = [
    {
      table: 'embedding_metadata',
      code: 'orphan.metadata-rows',
      severity: 'info',
      rowName: 'metadata row',
      chromaWould: 'Nothing today; a record added later that reuses the internal id would inherit them (embeddings.id values are reused, docs/format.md §2.4).',
    },
    {
      table: 'embedding_metadata_array',
      code: 'orphan.array-rows',
      severity: 'warning',
      rowName: 'array metadata row',
      chromaWould: 'Chroma leaves them when it deletes a collection; a record added later that reuses the internal id shows these array values as its own (docs/format.md §3.7, F12).',
    },
  ] as const;
  for (const t of goneRecordTables) {
    if (!probe.hasTable(t.table)) continue;
    const n = count(db, `SELECT count(*) AS n FROM ${t.table} WHERE id NOT IN (SELECT id FROM embeddings)`);
    if (n > 0) {
      findings.add({
        code: t.code,
        severity: t.severity,
        title: `${plural(n, t.rowName)} of records that no longer exist`,
        chromaWould: t.chromaWould,
        fix: 'orphans',
        remedy: REMOVE,
        evidence: { numbers: { rows: n }, files: [SQLITE_FILE] },
      });
    }
  }
  if (probe.hasTable('embeddings_queue')) {
    const topics = new Set(catalog.collections.flatMap((c) => [c.topic, `persistent://default/default/${c.id}`]));
    let rows = 0;
    let n = 0;
    for (const r of db.prepare('SELECT topic, count(*) AS n FROM embeddings_queue GROUP BY topic').all() as { topic: string; n: number }[]) {
      if (topics.has(r.topic)) continue;
      rows += r.n;
      n++;
    }
    if (rows > 0) {
      findings.add({
        code: 'orphan.wal-rows',
        severity: 'info',
        title: `${plural(rows, 'WAL row')} of ${plural(n, 'collection')} that no longer exist`,
        chromaWould: 'Nothing: no collection reads them (Rust Chroma deletes them with the collection; other writers left them).',
        fix: 'orphans',
        remedy: REMOVE,
        evidence: { numbers: { rows, topics: n }, files: [SQLITE_FILE] },
      });
    }
  }
}
