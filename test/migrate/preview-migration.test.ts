import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationPreview } from '../../shared/models.js';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { previewMigration } from '../../src-main/engine/migrate/preview-migration.js';
import { near } from '../helpers/compare.js';
import { caught } from '../helpers/caught.js';
import { hashTree } from '../helpers/hash-tree.js';
import { realChromaProblem, reportSkip } from '../helpers/reference-chroma.js';
import { SAMPLE_COLLECTIONS, writePython050Folder, type BuiltCollection } from './python-era-folder.js';
import { INCLUDE, expectMatchesModel, nearest, refusalOfRealChroma, remoteAnswers, rows, withRealChroma, type CollectionAnswers } from './real-answers.js';

const problem134 = realChromaProblem('1.3.4');
const problem101 = realChromaProblem('1.0.1');
reportSkip('migrate 1.3.4', problem134);
reportSkip('migrate 1.0.1', problem101);

const work = mkdtempSync(join(tmpdir(), 'chroma-inspector-migrate-'));
const source = join(work, '050');
let built: BuiltCollection[] = [];
let sourceHashes: Record<string, string> = {};
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  built = writePython050Folder(source, SAMPLE_COLLECTIONS);
  sourceHashes = hashTree(source);
});

/** A folder whose metadb/00001 row carries the hash of the file Chroma 0.4.0 shipped (docs/format.md §2.3). */
function folder040(): string {
  const dir = join(work, '040');
  if (existsSync(dir)) return dir;
  writePython050Folder(dir, SAMPLE_COLLECTIONS.slice(1));
  const db = new Database(join(dir, 'chroma.sqlite3'));
  db.prepare("UPDATE migrations SET hash = '70f0dbf83da2f428f30d78b7d994cbbb' WHERE dir = 'metadb' AND version = 1").run();
  db.close();
  return dir;
}

/** What our engine reads from the original folder. */
function ourAnswers(name: string): CollectionAnswers {
  const f = ChromaFolder.open(source);
  try {
    const g = f.get({ name }, { include: INCLUDE });
    return { count: f.count({ name }), ids: g.ids, documents: g.documents as (string | null)[], metadatas: g.metadatas as Record<string, unknown>[], embeddings: g.embeddings as number[][] };
  } finally {
    f.close();
  }
}

// What Chroma 1.3.4 (JS bindings) applies to a 0.5.0 folder: every migration after 0.5.0, Rust's order.
const AFTER_050_JS_134 = [
  'sysdb/00006-collection-segment-metadata.sqlite.sql',
  'sysdb/00007-collection-config.sqlite.sql',
  'sysdb/00008-maintenance-log.sqlite.sql',
  'sysdb/00009-segment-collection-not-null.sqlite.sql',
  'sysdb/00010-collection-schema.sqlite.sql',
  'metadb/00004-metadata-indices.sqlite.sql',
  'metadb/00005-max-seq-id-int.sqlite.sql',
  'metadb/00006-metadata-array-support.sqlite.sql',
  'embeddings_queue/00002-embeddings-queue-config.sqlite.sql',
];

describe('migration preview of a Python 0.5.0 folder', () => {
  let preview: MigrationPreview;
  const target = join(work, 'to-js-1.3.4');

  beforeAll(async () => {
    preview = await previewMigration(source, target, { to: 'js-1.3.4' });
  });

  it('applies exactly the migrations Chroma 1.3.4 ships beyond 0.5.0, in its order, and leaves the original untouched', () => {
    expect(preview.migrationsApplied.map((m) => `${m.dir}/${m.filename}`)).toEqual(AFTER_050_JS_134);
    expect(rows(target, 'SELECT dir, version FROM migrations ORDER BY dir, version').length).toBe(18);
    expect(preview.eraBefore).toBe('0.5.0');
    expect(hashTree(source)).toEqual(sourceHashes);
    expect(readdirSync(work).filter((n) => n.includes('.restoring-'))).toEqual([]);
  });

  it('converts max_seq_id to INTEGER with the values the BLOBs held, and leaves embeddings.seq_id as Python wrote it', () => {
    const seqs = rows(target, 'SELECT segment_id AS s, seq_id AS v, typeof(seq_id) AS t FROM max_seq_id ORDER BY segment_id');
    expect(seqs).toEqual(built.map((c) => ({ s: c.metadataSegment, v: c.lastSeq, t: 'integer' })).sort((a, b) => a.s.localeCompare(b.s)));
    expect(rows(target, 'SELECT DISTINCT typeof(seq_id) AS t FROM embeddings')).toEqual([{ t: 'blob' }]);
    const maxSeq = preview.data.find((d) => d.table === 'max_seq_id')!;
    expect(maxSeq).toMatchObject({ rowsBefore: 2, rowsAfter: 2, rowsChanged: 2, storageTypes: [{ column: 'seq_id', before: { blob: 2 }, after: { integer: 2 } }] });
    expect(preview.data.find((d) => d.table === 'embeddings')).toBeUndefined();
    expect(preview.data.find((d) => d.table === 'migrations')).toMatchObject({ rowsBefore: 9, rowsAfter: 18, rowsChanged: 0 });
  });

  it('reports the schema changes sqlite_master shows', () => {
    const s = preview.schema;
    expect(s.tablesAdded).toEqual(['acquire_write', 'embedding_metadata_array', 'embeddings_queue_config', 'maintenance_log']);
    expect(s.tablesRemoved).toEqual([]);
    const table = (n: string) => s.tablesChanged.find((t) => t.table === n);
    expect(table('collections')?.columnsAdded).toEqual(['config_json_str', 'schema_str']);
    expect(table('collection_metadata')?.columnsAdded).toEqual(['bool_value']);
    expect(table('max_seq_id')?.columnsChanged).toEqual([{ column: 'seq_id', before: 'BLOB NOT NULL', after: 'INTEGER' }]);
    expect(table('segments')?.columnsChanged).toEqual([{ column: 'collection', before: 'TEXT', after: 'TEXT NOT NULL' }]);
    expect(s.indexesAdded).toContain('embedding_metadata_int_value (on embedding_metadata)');
    expect(s.indexesAdded).toContain('embedding_metadata_array_id_key (on embedding_metadata_array)');
    // The same, read independently from the new folder.
    expect(rows(target, "SELECT name FROM pragma_table_info('collections') ORDER BY cid").map((r) => r.name)).toEqual(['id', 'name', 'dimension', 'database_id', 'config_json_str', 'schema_str']);
  });

  it('writes what Rust core writes at start: one acquire_write row and the queue config with purging off (the WAL is not empty)', () => {
    expect(rows(target, 'SELECT count(*) AS n FROM acquire_write')).toEqual([{ n: 1 }]);
    expect(rows(target, 'SELECT id, config_json_str AS j FROM embeddings_queue_config')).toEqual([
      { id: 1, j: '{"automatically_purge":false,"_type":"EmbeddingsQueueConfigurationInternal"}' },
    ]);
  });

  it('says which releases open the original as it is, which migrate it and which refuse it', () => {
    expect(preview.canOpenWithoutMigrating).toEqual(['Python 0.5.0']);
    const verdict = (r: string) => preview.compatibility.find((c) => c.release === r)!;
    expect(verdict('Python 0.4.0').verdict).toBe('refuses');
    expect(verdict('Python 0.4.15-0.4.24').verdict).toBe('newer-folder');
    expect(verdict('Python 0.5.6-0.6.3')).toMatchObject({ verdict: 'migrates', migrations: expect.arrayContaining(['sysdb/00009-segment-collection-not-null.sqlite.sql']) });
    expect(verdict('js 1.3.x').migrations).toEqual(AFTER_050_JS_134);
    expect(preview.afterwardsOpenWithoutMigrating).toEqual(['Python 1.5', 'js 1.3.x']);
    // Collections come in the catalog's order (by id, random here): compare by name.
    const byName = (a: (string | number | null)[], b: (string | number | null)[]) => String(a[0]).localeCompare(String(b[0]));
    expect(preview.collections.map((c) => [c.name, c.countBefore, c.countAfter]).sort(byName)).toEqual(built.map((c) => [c.name, c.records.size, c.records.size]).sort(byName));
  });

  it('to a Python release: its own order (queue, sysdb, metadb), no Rust start-up rows, seq ids left as BLOBs', async () => {
    const py = await previewMigration(source, join(work, 'to-0.6.3'), { to: '0.6.3' });
    expect(py.migrationsApplied.map((m) => `${m.dir}/${m.version}`)).toEqual(['embeddings_queue/2', 'sysdb/6', 'sysdb/7', 'sysdb/8', 'sysdb/9', 'metadb/4']);
    expect(py.atStart).toEqual([]);
    expect(py.schema.tablesAdded).toEqual(['embeddings_queue_config', 'maintenance_log']);
    expect(rows(join(work, 'to-0.6.3'), 'SELECT DISTINCT typeof(seq_id) AS t FROM max_seq_id')).toEqual([{ t: 'blob' }]);
    expect(rows(join(work, 'to-0.6.3'), 'SELECT count(*) AS n FROM embeddings_queue_config')).toEqual([{ n: 0 }]);
    expect(py.afterwardsOpenWithoutMigrating).toEqual(['Python 0.5.6-0.6.3']);
  });

  it('refuses a downgrade, an unknown version, a target that is not empty or inside the source, and writes nothing', async () => {
    const down = await caught(previewMigration(source, join(work, 'down'), { to: '0.4.24' }));
    expect(down.code).toBe('INVALID_ARGUMENT');
    expect(down.message).toMatch(/Chroma 0\.4\.24 is older than this folder.*Python 0\.5\.0/);
    expect((await caught(previewMigration(source, join(work, 'x'), { to: '9.1.0' }))).message).toMatch(/newer than the releases this tool knows/);
    expect((await caught(previewMigration(source, join(work, 'x'), { to: 'latest' }))).message).toMatch(/not a Chroma version/);
    mkdirSync(join(work, 'full'));
    writeFileSync(join(work, 'full', 'keep.txt'), 'mine');
    expect((await caught(previewMigration(source, join(work, 'full'), { to: '1.3.4' }))).message).toMatch(/is not empty/);
    expect((await caught(previewMigration(source, join(source, 'inside'), { to: '1.3.4' }))).message).toMatch(/must not be inside the source folder/);
    expect(existsSync(join(work, 'down'))).toBe(false);
    expect(readdirSync(join(work, 'full'))).toEqual(['keep.txt']);
    expect(hashTree(source)).toEqual(sourceHashes);
  });

  it('stops when cancelled and leaves neither the target nor a staging folder', async () => {
    const ac = new AbortController();
    const p = previewMigration(source, join(work, 'cancelled'), { to: '1.3.4', signal: ac.signal, onProgress: () => ac.abort() });
    expect((await caught(p)).code).toBe('CANCELLED');
    expect(existsSync(join(work, 'cancelled'))).toBe(false);
    expect(readdirSync(work).filter((n) => n.includes('.restoring-'))).toEqual([]);
  });

  it('refuses, as Chroma does, a folder created by Chroma 0.4.0', async () => {
    const dir = folder040();
    const err = await caught(previewMigration(dir, join(work, 'from-040'), { to: '1.3.4' }));
    expect(err.code).toBe('UNKNOWN_SCHEMA');
    expect(err.message).toMatch(/Chroma 1\.3\.4 refuses this folder: metadb\/00001-embedding-metadata\.sqlite\.sql.*created by Chroma 0\.4\.0/);
    expect(existsSync(join(work, 'from-040'))).toBe(false);
  });
});

describe.skipIf(problem134 !== null)('real Chroma 1.3.4 opens the migration preview of a 0.5.0 folder', () => {
  it('to js-1.3.4: it applies no further migration, and counts, gets and queries what the original holds', async () => {
    const target = join(work, 'real-js-134');
    await previewMigration(source, target, { to: 'js-1.3.4' });
    const before = rows(target, 'SELECT dir, version, hash FROM migrations ORDER BY dir, version');
    await withRealChroma(target, '1.3.4', async (open, copy) => {
      for (const c of built) {
        const remote = await open(c.name);
        const got = await remoteAnswers(remote);
        expectMatchesModel(got, c.records, `real Chroma, ${c.name}`);
        expect(got.ids, `${c.name}: get order`).toEqual(ourAnswers(c.name).ids);
        const space = c.name === 'notes' ? 'cosine' : 'l2';
        const q = c.name === 'notes' ? [0.3, 0.6, 0.6] : [2, 2, 8, 1];
        const want = nearest(c.records, q, space, 3);
        const answer = await remote.query({ queryEmbeddings: [q], nResults: 3, include: ['distances'] });
        expect(answer.ids[0]).toEqual(want.ids);
        answer.distances[0]!.forEach((d, i) => expect(near(d, want.distances[i]!, 1e-4), `${c.name} distance ${i}: ${d} vs ${want.distances[i]}`).toBe(true));
      }
      expect(rows(copy, 'SELECT dir, version, hash FROM migrations ORDER BY dir, version')).toEqual(before);
    });
    expect(hashTree(source)).toEqual(sourceHashes);
  });

  it('to 1.3.4 (the Python package, which lacks metadb/00006): real Chroma 1.3.4 adds only that migration', async () => {
    const target = join(work, 'real-py-134');
    const p = await previewMigration(source, target, { to: '1.3.4' });
    expect(p.migrationsApplied.map((m) => `${m.dir}/${m.filename}`)).toEqual(AFTER_050_JS_134.filter((m) => m !== 'metadb/00006-metadata-array-support.sqlite.sql'));
    const before = rows(target, "SELECT dir || '/' || filename AS m FROM migrations").map((r) => r.m);
    await withRealChroma(target, '1.3.4', async (open, copy) => {
      for (const c of built) expectMatchesModel(await remoteAnswers(await open(c.name)), c.records, `real Chroma, ${c.name}`);
      const after = rows(copy, "SELECT dir || '/' || filename AS m FROM migrations").map((r) => r.m);
      expect(after.filter((m) => !before.includes(m))).toEqual(['metadb/00006-metadata-array-support.sqlite.sql']);
    });
  });
});

describe.skipIf(problem134 !== null)('real Chroma 1.3.4 agrees with the refusals of the preview', () => {
  it('refuses to start on a folder created by Chroma 0.4.0', async () => {
    const printed = await refusalOfRealChroma(folder040(), '1.3.4');
    expect(printed).toMatch(/InconsistentHash\("70f0dbf83da2f428f30d78b7d994cbbb", "2b4cf52c4bb2676e21d6860a4409f856"\)/);
  });
});

describe.skipIf(problem101 !== null)('real Chroma 1.0.1 opens the migration preview of a 0.5.0 folder', () => {
  it('to 1.0.1: no further migration; counts and gets equal the original', async () => {
    const target = join(work, 'real-101');
    const p = await previewMigration(source, target, { to: '1.0.1' });
    expect(p.eraAfter).toBe('1.0-1.2');
    expect(p.schema.tablesAdded).not.toContain('embedding_metadata_array');
    const before = rows(target, 'SELECT dir, version, hash FROM migrations ORDER BY dir, version');
    await withRealChroma(target, '1.0.1', async (open, copy) => {
      for (const c of built) {
        const got = await remoteAnswers(await open(c.name));
        expectMatchesModel(got, c.records, `real Chroma 1.0.1, ${c.name}`);
        expect(got.ids).toEqual(ourAnswers(c.name).ids);
      }
      expect(rows(copy, 'SELECT dir, version, hash FROM migrations ORDER BY dir, version')).toEqual(before);
    });
  });
});
