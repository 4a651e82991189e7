import { cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../../shared/models.js';
import { runDoctor } from '../../../src-main/engine/doctor/run-doctor.js';
import { PersistentClient } from '../../../src-main/client/persistent-client.js';
import { hashTree } from '../../helpers/hash-tree.js';
import { SOUND, damagedCopy, onDb, only, rawCollections, rows, scratch } from './helpers.js';

// A never-purged WAL: purging switched off, then records written and persisted by the embedded
// writer, so both segments applied rows Chroma would otherwise have deleted. The doctor counts
// them as the purge rule counts them from raw SQL, and --measure purges and vacuums a copy.

const tmp = scratch();
afterAll(() => tmp.cleanup());

const NO_PURGE = '{"automatically_purge":false,"_type":"EmbeddingsQueueConfigurationInternal"}';

/** Rows below min(M, V) per collection, from the max_seq_id table and the pickle's presence (docs/format.md §4.6). */
function purgeableByRawSql(dir: string): Map<string, { topic: string; below: number; rows: number }> {
  const out = new Map<string, { topic: string; below: number; rows: number }>();
  for (const c of rawCollections(dir)) {
    const seq = (s: string) => rows<{ s: number }>(dir, 'SELECT seq_id AS s FROM max_seq_id WHERE segment_id = ?', s)[0]?.s ?? 0;
    const hasPickle = readdirSync(dir).includes(c.vectorSegment) && readdirSync(join(dir, c.vectorSegment)).includes('index_metadata.pickle');
    const below = Math.min(seq(c.metadataSegment), hasPickle ? seq(c.vectorSegment) : 0);
    const n = below > 0 ? rows<{ n: number }>(dir, 'SELECT count(*) AS n FROM embeddings_queue WHERE topic = ? AND seq_id < ?', c.topic, below)[0]!.n : 0;
    out.set(c.name, { topic: c.topic, below, rows: n });
  }
  return out;
}

let dir!: string;
let report!: DoctorReport;
const temp = join(tmp.dir, 'measure-temp');

beforeAll(async () => {
  dir = damagedCopy(tmp.dir, SOUND, (d) => onDb(d, (db) => db.prepare('UPDATE embeddings_queue_config SET config_json_str = ? WHERE id = 1').run(NO_PURGE)));
  const client = new PersistentClient({ path: dir, force: true });
  const tiny = await client.getCollection({ name: 'tiny', embeddingFunction: null });
  const ids = Array.from({ length: 40 }, (_, i) => `wal-${i}`);
  await tiny.add({ ids, embeddings: ids.map((_, i) => [i, 1, 2, 3]), documents: ids.map((id) => `document ${id}`) });
  await client.close(); // persists the checkpoint: V reaches the WAL head, and nothing is purged
  mkdirSync(temp);
  const before = hashTree(dir);
  report = await runDoctor(dir, { measureReclaim: true, tempDir: temp });
  expect(hashTree(dir), 'the doctor only reads, even when it measures').toEqual(before);
});

describe('a never-purged WAL', () => {
  it('reports the applied rows purging would drop, per collection, as the purge rule counts them', () => {
    const expected = purgeableByRawSql(dir);
    expect(expected.get('tiny')!.rows).toBeGreaterThan(40);
    for (const [name, e] of expected) {
      const c = report.collections.find((x) => x.name === name)!;
      expect(c.wal.purgeable, name).toBe(e.rows);
      if (e.rows === 0) continue;
      const f = only(report, 'wal.purgeable', name);
      expect(f.severity, 'purging is off: Chroma never drops them').toBe('warning');
      expect(f.fix).toBe('purge-wal');
      expect(f.evidence.numbers.purgeableRows).toBe(e.rows);
    }
    expect(only(report, 'wal.purge-off').title).toMatch(/off/);
  });

  it('measures purge + VACUUM on a copy: the rows purged, a smaller file, and no copy left behind', () => {
    const m = report.storage.reclaim!;
    expect(m).not.toBeNull();
    const expected = [...purgeableByRawSql(dir).values()];
    expect(m.walRowsPurged).toBe(expected.reduce((s, e) => s + e.rows, 0));
    expect(m.databaseBytes).toBe(statSync(join(dir, 'chroma.sqlite3')).size);
    expect(m.afterPurgeAndVacuumBytes).toBeLessThan(m.afterVacuumBytes);
    expect(m.reclaimableBytes).toBe(m.databaseBytes - m.afterPurgeAndVacuumBytes);
    expect(readdirSync(temp)).toEqual([]);

    // Oracle: the same purge and VACUUM done by hand, with plain SQL, on another copy.
    const byHand = damagedCopy(tmp.dir, SOUND);
    cpSync(join(dir, 'chroma.sqlite3'), join(byHand, 'chroma.sqlite3'));
    onDb(byHand, (db) => {
      for (const e of expected) if (e.below > 0) db.prepare('DELETE FROM embeddings_queue WHERE topic = ? AND seq_id < ?').run(e.topic, e.below);
      db.exec('VACUUM');
    });
    expect(m.afterPurgeAndVacuumBytes).toBe(statSync(join(byHand, 'chroma.sqlite3')).size);
  });
});
