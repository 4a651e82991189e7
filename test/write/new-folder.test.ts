import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src-main/engine/folder/migration-catalogue.js';
import { chromaMigrations, md5 } from '../../src-main/engine/write/migration-files.js';
import { createChromaFolder } from '../../src-main/engine/write/create-folder.js';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { referenceFixture } from '../helpers/paths.js';

const chromaDb = () => new Database(join(referenceFixture('chroma-1.3.4-seed7'), 'data', 'chroma.sqlite3'), { readonly: true });

describe('new folders get Chroma\'s current schema, verbatim', () => {
  it('ships all 18 migration files with the MD5 the catalogue lists (checked byte for byte)', () => {
    const files = chromaMigrations();
    expect(files.map((m) => `${m.dir}/${m.version}`)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `sysdb/${i + 1}`),
      ...Array.from({ length: 6 }, (_, i) => `metadb/${i + 1}`),
      'embeddings_queue/1',
      'embeddings_queue/2',
    ]);
    for (const m of files) {
      const known = MIGRATIONS.find((k) => k.dir === m.dir && k.version === m.version)!;
      expect(md5(m.sql), `${m.dir}/${m.filename}`).toBe(known.md5);
      expect(m.sql).not.toContain('\r');
    }
  });

  it('the migration text is exactly what Chroma 1.3.4 stored in its own folder', () => {
    const db = chromaDb();
    try {
      const rows = db.prepare('SELECT dir, version, filename, sql, hash FROM migrations ORDER BY rowid').all();
      expect(chromaMigrations().map((m) => ({ dir: m.dir, version: m.version, filename: m.filename, sql: m.sql, hash: m.md5 }))).toEqual(rows);
    } finally {
      db.close();
    }
  });

  it('creates the same tables, indexes, migration rows and settings as a Chroma-created folder', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-new-')), 'fresh');
    createChromaFolder(dir);
    expect(readdirSync(dir)).toEqual(['chroma.sqlite3']);
    const ours = new Database(join(dir, 'chroma.sqlite3'), { readonly: true });
    const theirs = chromaDb();
    try {
      const schema = (db: Database.Database) =>
        db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all();
      expect(schema(ours)).toEqual(schema(theirs));
      const q = (db: Database.Database, sql: string) => db.prepare(sql).all();
      for (const sql of [
        'SELECT dir, version, filename, sql, hash FROM migrations ORDER BY rowid',
        'SELECT * FROM embeddings_queue_config',
        "SELECT * FROM tenants WHERE id = 'default_tenant'",
        "SELECT * FROM databases WHERE name = 'default_database'",
      ]) {
        expect(q(ours, sql), sql).toEqual(q(theirs, sql));
      }
      expect(q(ours, 'SELECT * FROM acquire_write')).toEqual([{ id: 1, lock_status: 1 }]);
      for (const pragma of ['journal_mode', 'page_size', 'user_version', 'encoding', 'auto_vacuum']) {
        expect(ours.pragma(pragma, { simple: true }), pragma).toEqual(theirs.pragma(pragma, { simple: true }));
      }
      for (const t of ['collections', 'segments', 'embeddings', 'embeddings_queue', 'max_seq_id']) {
        expect((ours.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n, t).toBe(0);
      }
    } finally {
      ours.close();
      theirs.close();
    }
    const f = ChromaFolder.open(dir);
    try {
      expect(f.ctx.era.label).toBe('1.5+');
      expect(f.ctx.era.migrationsVerified).toBe(true);
    } finally {
      f.close();
    }
  });

  it('refuses to create over an existing database', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-new-')), 'fresh');
    createChromaFolder(dir);
    expect(() => createChromaFolder(dir)).toThrow(/already exists/);
  });
});
