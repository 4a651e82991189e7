import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { rejectionMismatch } from '../helpers/chroma-errors.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';

/**
 * A folder whose metadata segment has not applied its WAL yet (what a reader sees right after a
 * writer crashed before its backfill, or a Python process that only logged). We make one from a
 * real Chroma folder: for collections whose WAL is complete, wipe the metadata segment and its
 * max_seq_id. Replaying the WAL in memory must give back exactly Chroma's recorded answers.
 */
const COLLECTIONS = ['points', 'tiny', 'tickets@acme/prod'];
const fixture = referenceFixture('chroma-1.3.4-seed7');
const scratch = mkdtempSync(join(tmpdir(), 'ci-overlay-'));
const dir = join(scratch, 'data');
let folder: ChromaFolder;

beforeAll(() => {
  cpSync(join(fixture, 'data'), dir, { recursive: true });
  const db = new Database(join(dir, 'chroma.sqlite3'));
  db.pragma('foreign_keys = OFF');
  const names = COLLECTIONS.map((c) => splitCollection(c).name);
  const segs = db
    .prepare(
      `SELECT s.id FROM segments s JOIN collections c ON c.id = s.collection WHERE s.scope = 'METADATA' AND c.name IN (${names.map(() => '?').join(',')})`,
    )
    .all(...names) as { id: string }[];
  expect(segs.length).toBe(3);
  for (const { id } of segs) {
    const ids = `SELECT id FROM embeddings WHERE segment_id = '${id}'`;
    db.exec(`DELETE FROM embedding_metadata WHERE id IN (${ids});
      DELETE FROM embedding_metadata_array WHERE id IN (${ids});
      DELETE FROM embedding_fulltext_search WHERE rowid IN (${ids});
      DELETE FROM embeddings WHERE segment_id = '${id}';
      DELETE FROM max_seq_id WHERE segment_id = '${id}';`);
  }
  db.close();
  folder = ChromaFolder.open(dir);
});
afterAll(() => {
  folder?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('metadata segment behind its WAL: the tail is replayed in memory', () => {
  it('the wiped tables really are empty, and the lag is reported', () => {
    for (const c of COLLECTIONS) {
      const info = folder.collectionInfo(splitCollection(c));
      expect(info.metadataLag).toBe(info.walRows);
      const seg = folder.collection(splitCollection(c)).catalog.metadataSegment!.id;
      expect((folder.db.prepare('SELECT count(*) AS n FROM embeddings WHERE segment_id = ?').get(seg) as { n: number }).n).toBe(0);
    }
  });

  const { cases } = JSON.parse(readFileSync(join(fixture, 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
  for (const c of cases.filter((x) => COLLECTIONS.includes(x.collection))) {
    it(`${c.collection} | ${c.label}`, () => {
      const ref = splitCollection(c.collection);
      const run = () => (c.op === 'count' ? folder.count(ref) : c.op === 'get' ? folder.get(ref, c.args) : folder.query(ref, c.args));
      if (c.error !== undefined) {
        expect(rejectionMismatch(c, run)).toBeNull();
        return;
      }
      expect(compareCase(c, run())).toBeNull();
    });
  }

  it('records from the WAL are flagged in the inspector grid', async () => {
    const { readRecordsWindow } = await import('../../src-main/engine/inspect/records-window.js');
    const w = readRecordsWindow(folder, { collectionId: folder.collection({ name: 'points' }).id, offset: 0, limit: 10 });
    expect(w.rows.length).toBe(10);
    expect(w.rows.every((r) => r.fromWal)).toBe(true);
  });
});
