import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixFolder } from '../../src-main/engine/repair/fix-folder.js';
import { hashTree } from '../helpers/hash-tree.js';
import { CHROMA_VERSION, realChromaProblem, reportSkip, stopAllChroma } from '../helpers/reference-chroma.js';
import { copyFixture, exec, loadCases, realChromaMismatches, runCases, scratch, segmentOf, sql } from './helpers.js';

// Orphans and full-text damage made on copies of a folder real Chroma 1.3.4 wrote, repaired into
// new folders: real Chroma answers every case it recorded on the undamaged folder.
const problem = realChromaProblem();
reportSkip('repair orphans/fts', problem);

const tmp = scratch('ci-repair-orphans-');
afterAll(() => {
  stopAllChroma();
  tmp.cleanup();
});

const recorded = loadCases('chroma-1.3.4-seed7');
const DEAD_COLLECTION = 'dddddddd-0000-4000-8000-000000000001';
const DEAD_SEGMENT = 'dddddddd-0000-4000-8000-000000000002';
const DEAD_FOLDER = 'dddddddd-0000-4000-8000-000000000003';

/** What deleted collections leave behind (docs/format.md §3.7), written by hand with plain SQL. */
function addOrphans(dir: string): void {
  cpSync(join(dir, segmentOf(dir, 'articles', 'VECTOR')), join(dir, DEAD_FOLDER), { recursive: true });
  exec(
    dir,
    `INSERT INTO segments (id, type, scope, collection) VALUES ('${DEAD_SEGMENT}', 'urn:chroma:segment/metadata/sqlite', 'METADATA', '${DEAD_COLLECTION}')`,
    `INSERT INTO segment_metadata (segment_id, key, str_value) VALUES ('${DEAD_SEGMENT}', 'k', 'v')`,
    `INSERT INTO collection_metadata (collection_id, key, str_value) VALUES ('${DEAD_COLLECTION}', 'k', 'v')`,
    `INSERT INTO max_seq_id (segment_id, seq_id) VALUES ('${DEAD_SEGMENT}', 7)`,
    `INSERT INTO embeddings (id, segment_id, embedding_id, seq_id) VALUES (900001, '${DEAD_SEGMENT}', 'ghost-1', 1), (900002, '${DEAD_SEGMENT}', 'ghost-2', 2)`,
    `INSERT INTO embedding_metadata (id, key, string_value) VALUES (900001, 'chroma:document', 'ghost sqlite cat'), (900002, 'category', 'news')`,
    `INSERT INTO embedding_fulltext_search (rowid, string_value) VALUES (900001, 'ghost sqlite cat')`,
    // F12: rows of a record that no longer exists, waiting for a new record to reuse its id.
    `INSERT INTO embedding_metadata_array (id, key, string_value) VALUES (900003, 'tags', 'vector')`,
    `INSERT INTO embedding_metadata (id, key, string_value) VALUES (900003, 'category', 'news')`,
    `INSERT INTO embeddings_queue (seq_id, operation, topic, id, vector, encoding, metadata) VALUES (999999, 0, 'persistent://default/default/${DEAD_COLLECTION}', 'ghost-1', NULL, NULL, '{}')`,
  );
}

/** Rows of dead owners, by raw SQL: a live segment is one whose collection exists, a live record one of a live segment. */
const orphanCounts = (dir: string) =>
  sql(
    dir,
    `WITH live_seg AS (SELECT id FROM segments WHERE collection IN (SELECT id FROM collections)),
          live_emb AS (SELECT id FROM embeddings WHERE segment_id IN (SELECT id FROM live_seg))
     SELECT
      (SELECT count(*) FROM segments WHERE id NOT IN (SELECT id FROM live_seg)) AS segments,
      (SELECT count(*) FROM embeddings WHERE id NOT IN (SELECT id FROM live_emb)) AS embeddings,
      (SELECT count(*) FROM embedding_metadata WHERE id NOT IN (SELECT id FROM live_emb)) AS metadata,
      (SELECT count(*) FROM embedding_metadata_array WHERE id NOT IN (SELECT id FROM live_emb)) AS arrays,
      (SELECT count(*) FROM embedding_fulltext_search WHERE rowid NOT IN (SELECT id FROM live_emb)) AS fts,
      (SELECT count(*) FROM max_seq_id WHERE segment_id NOT IN (SELECT id FROM live_seg)) AS seqs,
      (SELECT count(*) FROM segment_metadata WHERE segment_id NOT IN (SELECT id FROM live_seg)) AS segmentMetadata,
      (SELECT count(*) FROM collection_metadata WHERE collection_id NOT IN (SELECT id FROM collections)) AS collectionMetadata,
      (SELECT count(*) FROM embeddings_queue WHERE substr(topic, 30) NOT IN (SELECT id FROM collections)) AS wal`,
  )[0];

describe.skipIf(problem !== null)(`orphans and fts-rebuild: real Chroma ${CHROMA_VERSION} answers as before`, () => {
  it('orphaned folders and rows of deleted collections are removed; live records are not touched', async () => {
    const src = copyFixture('chroma-1.3.4-seed7', tmp.dir);
    addOrphans(src);
    expect(Object.entries(orphanCounts(src)!).filter(([, n]) => n === 0)).toEqual([]);
    const hashes = hashTree(src);
    const target = join(tmp.dir, 'orphans-fixed');
    const report = await fixFolder(src, target, { only: ['orphans'] });
    expect(hashTree(src)).toEqual(hashes);
    expect(Object.values(orphanCounts(target)!)).toEqual(Object.values(orphanCounts(target)!).map(() => 0));
    // The folder real Chroma 1.3.4 left behind when the workload deleted a collection, and ours.
    expect(existsSync(join(src, '5523d958-f31b-43f6-a027-2778e810ab9e'))).toBe(true);
    const owned = readdirSync(src)
      .filter((n) => n !== 'chroma.sqlite3' && sql(src, 'SELECT 1 FROM segments WHERE id = ? AND collection IN (SELECT id FROM collections)', n).length > 0)
      .sort();
    expect(owned).not.toContain(DEAD_FOLDER);
    expect(owned).not.toContain('5523d958-f31b-43f6-a027-2778e810ab9e');
    expect(readdirSync(target).filter((n) => n !== 'chroma.sqlite3').sort()).toEqual(owned);
    expect(report.fixes[0]!.counts).toMatchObject({ segmentFolders: 2, embeddingRows: 2, walRows: 1 });
    expect(await realChromaMismatches(target, recorded)).toEqual([]);
  }, 120_000);

  it('full-text rows removed, swapped between records and pointing at no record: rebuilt from the documents', async () => {
    const src = copyFixture('chroma-1.3.4-seed7', tmp.dir);
    exec(
      src,
      'CREATE TABLE t AS SELECT rowid AS r, string_value AS s FROM embedding_fulltext_search',
      'CREATE TABLE pairs AS SELECT a.r AS a, b.r AS b, a.s AS sa, b.s AS sb FROM t a JOIN t b ON b.r = a.r + 1 WHERE a.r % 6 = 0',
      'DELETE FROM embedding_fulltext_search WHERE rowid IN (SELECT a FROM pairs UNION SELECT b FROM pairs)',
      'INSERT INTO embedding_fulltext_search (rowid, string_value) SELECT a, sb FROM pairs UNION ALL SELECT b, sa FROM pairs',
      'DELETE FROM embedding_fulltext_search WHERE rowid % 7 = 3',
      "INSERT INTO embedding_fulltext_search (rowid, string_value) VALUES (999999, 'sqlite graph wal 日本')",
      'DROP TABLE t',
      'DROP TABLE pairs',
    );
    // The damage bites: document filters no longer give Chroma's recorded answers.
    const damaged = runCases(src, recorded);
    expect(damaged.length).toBeGreaterThan(5);
    expect(damaged.every((d) => /whereDocument|doc/.test(d))).toBe(true);
    const target = join(tmp.dir, 'fts-fixed');
    const report = await fixFolder(src, target, { only: ['fts-rebuild'] });
    expect(report.fixes[0]!.changed).toBe(true);
    // Raw SQL: one row per document, under its record's id, with its text.
    const [check] = sql<{ docs: number; rows: number; matching: number }>(
      target,
      `SELECT (SELECT count(*) FROM embedding_metadata WHERE key = 'chroma:document') AS docs,
         (SELECT count(*) FROM embedding_fulltext_search) AS rows,
         (SELECT count(*) FROM embedding_fulltext_search f JOIN embedding_metadata m ON m.id = f.rowid AND m.key = 'chroma:document' AND m.string_value = f.string_value) AS matching`,
    );
    expect(check!.rows).toBe(check!.docs);
    expect(check!.matching).toBe(check!.docs);
    expect(runCases(target, recorded)).toEqual([]);
    expect(await realChromaMismatches(target, recorded)).toEqual([]);
  }, 120_000);
});
