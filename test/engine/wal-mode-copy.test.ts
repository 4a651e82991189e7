import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openReadOnly } from '../../src-main/engine/sqlite/connection.js';
import { asideCopyCount } from '../../src-main/engine/sqlite/aside-copy.js';
import { hashTree } from '../helpers/hash-tree.js';
import { referenceFixture } from '../helpers/paths.js';

// A database in WAL journal mode that nobody has open is read from a private copy (reading it in
// place would create -shm/-wal in the user's folder). Every connection of the process to the
// same unchanged file shares one copy; a changed file gets a new one.

describe('the private copy of a WAL-mode database', () => {
  const work = mkdtempSync(join(tmpdir(), 'chroma-inspector-wal-copy-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const dir = join(work, 'data');
  cpSync(join(referenceFixture('chroma-1.3.4-seed7'), 'data'), dir, { recursive: true });
  const file = join(dir, 'chroma.sqlite3');
  const writer = new Database(file);
  writer.pragma('journal_mode = WAL');
  writer.close();
  const count = (db: Database.Database) => (db.prepare('SELECT count(*) AS n FROM collections').get() as { n: number }).n;
  // This process's copies go to a temp dir of this test's own, so other suites' copies do not count.
  const privateTmp = join(work, 'tmp');
  mkdirSync(privateTmp);
  const savedTmp = process.env.TMPDIR;
  beforeAll(() => void (process.env.TMPDIR = privateTmp));
  afterAll(() => void (savedTmp === undefined ? delete process.env.TMPDIR : (process.env.TMPDIR = savedTmp)));
  const copies = () => readdirSync(privateTmp).filter((n) => n.startsWith('chroma-inspector-wal-mode-')).length;

  it('is made once for many connections, and again only when the file changes', () => {
    const before = hashTree(dir);
    expect(tmpdir()).toBe(privateTmp);
    const tempBefore = copies();
    const a = openReadOnly(file);
    const b = openReadOnly(file);
    const c = openReadOnly(file);
    expect(asideCopyCount()).toBe(1);
    expect(copies()).toBe(tempBefore + 1);
    expect([count(a), count(b), count(c)]).toEqual([6, 6, 6]);
    expect(existsSync(`${file}-shm`)).toBe(false);
    expect(hashTree(dir)).toEqual(before);
    for (const db of [a, b, c]) db.close();

    // Another process changes the database: the next connection sees the change through a fresh copy.
    const w = new Database(file);
    w.prepare("UPDATE collections SET name = name || '-renamed' WHERE name = 'tiny'").run();
    w.close();
    const d = openReadOnly(file);
    expect(d.prepare("SELECT count(*) AS n FROM collections WHERE name = 'tiny-renamed'").get()).toEqual({ n: 1 });
    expect(asideCopyCount()).toBe(1);
    // The unchanged-file copy was removed when its last reader closed and the file moved on.
    expect(copies()).toBe(tempBefore + 1);
    d.close();
  });
});
