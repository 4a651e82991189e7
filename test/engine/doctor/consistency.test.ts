import { hashTree } from '../../helpers/hash-tree.js';
import { afterAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../../src-main/engine/doctor/run-doctor.js';
import { byName, damagedCopy, onDb, only, rows, scratch } from './helpers.js';

// Dimension, space, embedding function and journal mode stated against each other, on copies of a
// sound Chroma 1.0.1 folder (Rust-form config_json_str, docs/format.md §3.2).

const tmp = scratch();
afterAll(() => tmp.cleanup());
const FIXTURE = 'chroma-1.0.1-seed7';

describe('consistency checks', () => {
  it('WAL vectors of another dimension are an error, counted', async () => {
    const dir = damagedCopy(tmp.dir, FIXTURE, (d) => {
      const tiny = byName(d, 'tiny');
      onDb(d, (db) => {
        const next = (db.prepare('SELECT max(seq_id) AS m FROM embeddings_queue').get() as { m: number }).m + 1;
        const stmt = db.prepare("INSERT INTO embeddings_queue (seq_id, operation, topic, id, vector, encoding, metadata) VALUES (?, 2, ?, ?, ?, 'FLOAT32', '{}')");
        stmt.run(next, tiny.topic, 'five-a', Buffer.from(new Float32Array([1, 2, 3, 4, 5]).buffer));
        stmt.run(next + 1, tiny.topic, 'five-b', Buffer.from(new Float32Array([1, 2, 3, 4, 5]).buffer));
      });
    });
    const report = await runDoctor(dir);
    const tiny = byName(dir, 'tiny');
    const expected = rows<{ n: number }>(dir, 'SELECT count(*) AS n FROM embeddings_queue WHERE topic = ? AND length(vector) != 4 * 4', tiny.topic)[0]!.n;
    expect(expected).toBe(2);
    const f = only(report, 'dimension.wal-mismatch', 'tiny');
    expect(f.severity).toBe('error');
    expect(f.evidence.numbers).toMatchObject({ dimension: 4, rows: expected, largestDimension: 5 });
  });

  it('an embedding function whose output has another dimension than the vectors', async () => {
    const dir = damagedCopy(tmp.dir, FIXTURE, (d) =>
      onDb(d, (db) =>
        db.prepare("UPDATE collections SET config_json_str = json_set(config_json_str, '$.embedding_function', json('{\"type\":\"known\",\"name\":\"default\",\"config\":{}}')) WHERE name = 'articles'").run(),
      ),
    );
    const report = await runDoctor(dir);
    const f = only(report, 'embedding-function.dimension', 'articles');
    expect(f.evidence.numbers).toEqual({ collectionDimension: 16, functionDimension: 384 });
    expect(report.findings.filter((x) => x.code.startsWith('embedding-function') && x.collection?.name !== 'articles')).toEqual([]);
  });

  it('two places naming different spaces', async () => {
    const dir = damagedCopy(tmp.dir, FIXTURE, (d) =>
      onDb(d, (db) => {
        const points = byName(d, 'points');
        db.prepare("INSERT OR REPLACE INTO collection_metadata (collection_id, key, str_value, int_value, float_value, bool_value) VALUES (?, 'hnsw:space', 'ip', NULL, NULL, NULL)").run(points.id);
        db.prepare("UPDATE collections SET config_json_str = json_set(config_json_str, '$.vector_index.hnsw.ef_search', 50) WHERE id = ?").run(points.id);
      }),
    );
    const report = await runDoctor(dir);
    const f = only(report, 'space.conflict', 'points');
    // The config (not all defaults now) decides: l2; the metadata's ip is ignored (docs/format.md §3.6).
    expect(f.title).toMatch(/the l2 space is in use \(from config\).*collection metadata hnsw:space says ip/);
    expect(report.collections.find((c) => c.name === 'points')!.space).toBe('l2');
  });

  it('WAL journal mode is a warning, and reading such a folder writes nothing into it (no -shm, no -wal)', async () => {
    const dir = damagedCopy(tmp.dir, FIXTURE, (d) => onDb(d, (db) => db.pragma('journal_mode = WAL')));
    const before = hashTree(dir);
    const report = await runDoctor(dir);
    expect(hashTree(dir)).toEqual(before);
    const f = only(report, 'sqlite.journal-mode');
    expect(f.severity).toBe('warning');
    expect(report.sqlite.journalMode).toBe('wal');
  });
});
