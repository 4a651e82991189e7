import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../../src-main/engine/doctor/run-doctor.js';
import { chromaMigrations } from '../../../src-main/engine/write/migration-files.js';
import { hashTree } from '../../helpers/hash-tree.js';
import { brokenAfterUpgrade, findings, only, scratch } from './helpers.js';

// A folder of Chroma 0.4.4–0.4.5, built from Chroma's own migration files: its legacy full-text
// table answers `$contains` correctly, but the upgrade every later Chroma runs (metadb/00003)
// re-keys the index. The doctor predicts which records break; running that migration's SQL on a
// copy and searching as Chroma does is the oracle.

const tmp = scratch();
afterAll(() => tmp.cleanup());

const COLLECTION = '3f2c1c9e-4d7e-4d0b-9a51-0c6f4f1e2a10';
const TOPIC = `persistent://default/default/${COLLECTION}`;
const METADATA_SEGMENT = '8b1f0e0a-2f4d-4c38-9a1a-1d2f3c4b5a60';
const VECTOR_SEGMENT = '0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f';

function buildLegacyFolder(dir: string): void {
  mkdirSync(dir);
  const db = new Database(join(dir, 'chroma.sqlite3'));
  db.pragma('foreign_keys = OFF');
  db.exec('CREATE TABLE migrations (dir TEXT NOT NULL, version INTEGER NOT NULL, filename TEXT NOT NULL, sql TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (dir, version))');
  for (const m of chromaMigrations().filter((x) => (x.dir === 'sysdb' ? x.version <= 3 : x.dir === 'metadb' ? x.version <= 2 : x.version === 1))) {
    db.exec(m.sql);
    db.prepare('INSERT INTO migrations VALUES (?, ?, ?, ?, ?)').run(m.dir, m.version, m.filename, m.sql, m.md5);
  }
  db.prepare('INSERT INTO collections (id, name, topic, dimension) VALUES (?, ?, ?, NULL)').run(COLLECTION, 'legacy', TOPIC);
  db.prepare("INSERT INTO segments VALUES (?, 'urn:chroma:segment/metadata/sqlite', 'METADATA', NULL, ?)").run(METADATA_SEGMENT, COLLECTION);
  db.prepare("INSERT INTO segments VALUES (?, 'urn:chroma:segment/vector/hnsw-local-persisted', 'VECTOR', ?, ?)").run(VECTOR_SEGMENT, TOPIC, COLLECTION);
  // As Python 0.4.4 wrote records: the embeddings row, its metadata rows, the (id, document) full-text row.
  const records: [string, Record<string, string>, string | null][] = [
    ['r1', { source: 'alpha.pdf' }, 'the quick brown fox'],
    ['r2', { source: 'beta.pdf', page: 'two' }, 'jumps over the lazy dog'],
    ['r3', {}, 'a record with only its document'],
    ['r4', { source: 'gamma.pdf' }, null],
    ['r5', { source: 'delta.pdf' }, 'lorem ipsum dolor sit amet'],
  ];
  let seq = 0;
  for (const [id, meta, doc] of records) {
    const iid = db.prepare('INSERT INTO embeddings (segment_id, embedding_id, seq_id) VALUES (?, ?, ?)').run(METADATA_SEGMENT, id, Buffer.alloc(8, ++seq)).lastInsertRowid;
    for (const [k, v] of Object.entries(meta)) db.prepare('INSERT INTO embedding_metadata (id, key, string_value) VALUES (?, ?, ?)').run(iid, k, v);
    if (doc !== null) {
      db.prepare("INSERT INTO embedding_metadata (id, key, string_value) VALUES (?, 'chroma:document', ?)").run(iid, doc);
      db.prepare('INSERT INTO embedding_fulltext (id, string_value) VALUES (?, ?)').run(iid, doc);
    }
  }
  db.close();
}

describe('a Chroma 0.4.4–0.4.5 folder with the legacy full-text table', () => {
  const dir = join(tmp.dir, 'legacy');
  buildLegacyFolder(dir);

  it('answers correctly today, and the doctor names the records the 0.4.6 upgrade would break', async () => {
    const before = hashTree(dir);
    const report = await runDoctor(dir);
    expect(hashTree(dir)).toEqual(before);
    expect(report.era.label).toBe('0.4.4-0.4.5');
    // The legacy table itself is in step with the documents.
    expect(findings(report, 'fts.missing')).toEqual([]);
    expect(findings(report, 'fts.wrong-text')).toEqual([]);
    expect(report.collections[0]!.fts).toMatchObject({ table: 'embedding_fulltext', checked: 4, missing: 0, wrong: 0 });

    const expected = brokenAfterUpgrade(dir, join(tmp.dir, 'upgraded'));
    expect(expected.length).toBeGreaterThan(0);
    const upgrade = only(report, 'fts.upgrade-breaks');
    expect(upgrade.severity).toBe('warning');
    expect(upgrade.fix).toBe('fts-rebuild');
    expect([...upgrade.evidence.ids].sort()).toEqual(expected);
    expect(upgrade.evidence.numbers).toEqual({ documents: 4, wouldBreak: expected.length });
  });
});
