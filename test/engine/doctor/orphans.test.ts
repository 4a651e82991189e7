import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../../src-main/engine/doctor/run-doctor.js';
import { SOUND, byName, damagedCopy, onDb, only, rows, scratch, type RawCollection } from './helpers.js';

// A collection deleted by SQL on a copy (its catalog rows only, as an interrupted or foreign
// delete would leave it): everything it leaves behind is reported, counted as raw SQL counts it.

const tmp = scratch();
afterAll(() => tmp.cleanup());

describe('orphans of a collection whose catalog rows were deleted', () => {
  let tiny!: RawCollection;
  const dir = damagedCopy(tmp.dir, SOUND, (d) => {
    tiny = byName(d, 'tiny');
    onDb(d, (db) => {
      db.prepare('DELETE FROM segments WHERE collection = ?').run(tiny.id);
      db.prepare('DELETE FROM collection_metadata WHERE collection_id = ?').run(tiny.id);
      db.prepare('DELETE FROM collections WHERE id = ?').run(tiny.id);
    });
  });

  it('reports its segment folder, record rows, max_seq_id rows and WAL rows, and nothing as an error', async () => {
    const report = await runDoctor(dir);
    expect(report.collections.map((c) => c.name)).not.toContain('tiny');
    expect(report.summary.errors).toBe(0);

    const segments = new Set(rows<{ id: string }>(dir, 'SELECT id FROM segments').map((r) => r.id));
    const strayFolders = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !segments.has(e.name))
      .map((e) => e.name)
      .sort();
    expect(strayFolders).toContain(tiny.vectorSegment);
    const folders = only(report, 'orphan.folder');
    expect([...folders.evidence.segments].sort()).toEqual(strayFolders);
    expect(folders.fix).toBe('orphans');

    const count = (sql: string, ...p: unknown[]) => rows<{ n: number }>(dir, sql, ...p)[0]!.n;
    const embeddings = only(report, 'orphan.embeddings');
    expect(embeddings.evidence.segments).toEqual([tiny.metadataSegment]);
    expect(embeddings.evidence.numbers).toMatchObject({
      embeddingRows: count('SELECT count(*) AS n FROM embeddings WHERE segment_id = ?', tiny.metadataSegment),
      metadataRows: count('SELECT count(*) AS n FROM embedding_metadata WHERE id IN (SELECT id FROM embeddings WHERE segment_id = ?)', tiny.metadataSegment),
      ftsRows: count('SELECT count(*) AS n FROM embedding_fulltext_search WHERE rowid IN (SELECT id FROM embeddings WHERE segment_id = ?)', tiny.metadataSegment),
    });
    expect(embeddings.evidence.numbers.embeddingRows).toBe(5);

    const seqRows = rows<{ s: string }>(dir, 'SELECT segment_id AS s FROM max_seq_id WHERE segment_id IN (?, ?)', tiny.metadataSegment, tiny.vectorSegment).map((r) => r.s);
    expect(seqRows.length).toBeGreaterThan(0);
    expect([...only(report, 'orphan.max-seq-id').evidence.segments].sort()).toEqual(seqRows.sort());

    const wal = only(report, 'orphan.wal-rows');
    expect(wal.evidence.numbers).toEqual({ rows: count('SELECT count(*) AS n FROM embeddings_queue WHERE topic = ?', tiny.topic), topics: 1 });
    expect(wal.evidence.numbers.rows).toBe(12);
    for (const f of report.findings.filter((x) => x.code.startsWith('orphan.'))) expect(f.fix).toBe('orphans');
  });
});

describe('a collection deleted the way Rust core deletes one', () => {
  let points!: RawCollection;
  // Everything Rust deletes in its transaction (docs/format.md §3.7) — which is all but the array
  // metadata rows and the segment folder.
  const dir = damagedCopy(tmp.dir, SOUND, (d) => {
    points = byName(d, 'points');
    onDb(d, (db) => {
      const records = `SELECT id FROM embeddings WHERE segment_id = '${points.metadataSegment}'`;
      db.exec(`DELETE FROM embedding_metadata WHERE id IN (${records}); DELETE FROM embedding_fulltext_search WHERE rowid IN (${records})`);
      db.prepare('DELETE FROM embeddings WHERE segment_id = ?').run(points.metadataSegment);
      for (const s of [points.metadataSegment, points.vectorSegment]) {
        db.prepare('DELETE FROM segment_metadata WHERE segment_id = ?').run(s);
        db.prepare('DELETE FROM max_seq_id WHERE segment_id = ?').run(s);
      }
      db.prepare('DELETE FROM segments WHERE collection = ?').run(points.id);
      db.prepare('DELETE FROM collection_metadata WHERE collection_id = ?').run(points.id);
      db.prepare('DELETE FROM embeddings_queue WHERE topic = ?').run(points.topic);
      db.prepare('DELETE FROM collections WHERE id = ?').run(points.id);
    });
  });

  it('reports the array rows a new record could inherit (F12), and the folder', async () => {
    const report = await runDoctor(dir);
    const dead = rows<{ n: number }>(dir, 'SELECT count(*) AS n FROM embedding_metadata_array WHERE id NOT IN (SELECT id FROM embeddings)')[0]!.n;
    expect(dead).toBe(172);
    const arrays = only(report, 'orphan.array-rows');
    expect(arrays.severity).toBe('warning');
    expect(arrays.evidence.numbers).toEqual({ rows: dead });
    expect(only(report, 'orphan.folder').evidence.segments).toContain(points.vectorSegment);
    expect(report.findings.filter((f) => ['orphan.embeddings', 'orphan.max-seq-id', 'orphan.wal-rows'].includes(f.code))).toEqual([]);
  });
});
