import type { Orphans } from '../../../shared/models.js';
import type { Catalog } from '../catalog/read-catalog.js';
import type { SqliteDatabase } from '../sqlite/connection.js';
import type { SchemaProbe } from '../sqlite/schema-probe.js';
import { listSegmentFolders } from './folder-files.js';

/** Leftovers of deleted collections: Chroma leaves folders and rows behind (docs/format.md §3.7, F4). */
export function findOrphans(dir: string, db: SqliteDatabase, probe: SchemaProbe, catalog: Catalog): Orphans {
  const segmentIds = new Set(catalog.collections.flatMap((c) => c.segments.map((s) => s.id)));
  for (const s of catalog.danglingSegments) segmentIds.add(s.id);
  const folders = listSegmentFolders(dir);
  const folderSet = new Set(folders);
  const embeddingRows = probe.hasTable('embeddings')
    ? (db
        .prepare('SELECT segment_id AS segmentId, count(*) AS rows FROM embeddings WHERE segment_id NOT IN (SELECT id FROM segments) GROUP BY segment_id')
        .all() as { segmentId: string; rows: number }[])
    : [];
  const maxSeqIdRows = probe.hasTable('max_seq_id')
    ? (db.prepare('SELECT segment_id AS s FROM max_seq_id WHERE segment_id NOT IN (SELECT id FROM segments)').all() as { s: string }[]).map((r) => r.s)
    : [];
  const vectorSegmentsWithoutFolder = catalog.collections
    .map((c) => c.vectorSegment)
    .filter((s): s is NonNullable<typeof s> => s !== null && !folderSet.has(s.id))
    .map((s) => s.id);
  return {
    segmentFolders: folders.filter((f) => !segmentIds.has(f)),
    embeddingRows,
    maxSeqIdRows,
    vectorSegmentsWithoutFolder,
  };
}
