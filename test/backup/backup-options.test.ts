import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, truncateSync, utimesSync, cpSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { InspectorError } from '../../shared/errors.js';
import { backup } from '../../src-main/engine/backup/backup.js';
import { restore } from '../../src-main/engine/backup/restore.js';
import { verify } from '../../src-main/engine/backup/verify.js';
import { checkSnapshot } from '../../src-main/engine/backup/snapshot-check.js';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { copyFixture, loadCases, runCases, scratch } from './helpers.js';

const tmp = scratch();
afterAll(() => tmp.cleanup());
let n = 0;
const fresh = (fixture = 'chroma-1.3.4-seed7') => {
  const dir = join(tmp.dir, `case-${++n}`);
  mkdirSync(dir);
  return { dir, src: copyFixture(fixture, dir), zip: join(dir, 'backup.zip'), target: join(dir, 'restored') };
};

describe('backup options', () => {
  it('one collection only: its segment folder and a database without the others, still answering Chroma\'s cases', async () => {
    const t = fresh();
    const r = await backup(t.src, t.zip, { collection: { name: 'articles' } });
    expect(r.manifest.scope.collection?.name).toBe('articles');
    expect(r.manifest.collections.map((c) => c.name)).toEqual(['articles']);
    const segs = new Set(r.manifest.files.map((f) => f.path.split('/')[0]));
    segs.delete('chroma.sqlite3');
    expect(segs.size).toBe(1);
    await restore(t.zip, t.target);
    const folder = ChromaFolder.open(t.target);
    expect(folder.collectionReaders().map((c) => c.catalog.name)).toEqual(['articles']);
    folder.close();
    const db = new Database(join(t.target, 'chroma.sqlite3'), { readonly: true });
    const topics = db.prepare('SELECT DISTINCT topic FROM embeddings_queue').all() as { topic: string }[];
    expect(topics.length).toBeLessThanOrEqual(1);
    const segments = db.prepare('SELECT count(*) AS n FROM segments').get() as { n: number };
    expect(segments.n).toBe(2);
    const strays = db.prepare('SELECT count(*) AS n FROM embeddings WHERE segment_id NOT IN (SELECT id FROM segments)').get() as { n: number };
    expect(strays.n).toBe(0);
    db.close();
    const cases = loadCases('chroma-1.3.4-seed7').filter((c) => c.collection === 'articles');
    expect(cases.length).toBeGreaterThan(10);
    expect(runCases(t.target, cases)).toEqual([]);
  });

  it('one collection in another tenant/database', async () => {
    const t = fresh();
    const r = await backup(t.src, t.zip, { collection: { name: 'tickets', tenant: 'acme', database: 'prod' } });
    expect(r.manifest.collections).toMatchObject([{ name: 'tickets', tenant: 'acme', database: 'prod' }]);
    await restore(t.zip, t.target);
    const cases = loadCases('chroma-1.3.4-seed7').filter((c) => c.collection.startsWith('tickets@'));
    expect(cases.length).toBeGreaterThan(0);
    expect(runCases(t.target, cases)).toEqual([]);
  });

  it('orphan folders are kept by default and left out with excludeOrphans', async () => {
    const t = fresh();
    const orphan = '5523d958-f31b-43f6-a027-2778e810ab9e';
    const all = await backup(t.src, t.zip);
    expect(all.manifest.files.some((f) => f.path.startsWith(orphan))).toBe(true);
    const lean = await backup(t.src, join(t.dir, 'lean.zip'), { excludeOrphans: true });
    expect(lean.manifest.files.some((f) => f.path.startsWith(orphan))).toBe(false);
    expect(lean.manifest.scope.excludeOrphans).toBe(true);
    await restore(join(t.dir, 'lean.zip'), t.target);
    expect(existsSync(join(t.target, orphan))).toBe(false);
  });

  it('ZIP64 records (forced; yazl switches to them by itself past 4 GiB) verify and restore', async () => {
    const t = fresh();
    await backup(t.src, t.zip, { forceZip64: true });
    const buf = readFileSync(t.zip);
    expect(buf.indexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBeGreaterThan(0); // ZIP64 end of central directory
    await verify(t.zip);
    await restore(t.zip, t.target);
    expect(runCases(t.target, loadCases('chroma-1.3.4-seed7'))).toEqual([]);
  });

  it('a folder switched to WAL journal mode (a common workaround for #7040) backs up with its -wal content', async () => {
    const t = fresh();
    const db = new Database(join(t.src, 'chroma.sqlite3'));
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.prepare("UPDATE collections SET name = 'renamed' WHERE name = 'tiny'").run();
    expect(statSync(join(t.src, 'chroma.sqlite3-wal')).size).toBeGreaterThan(0);
    const r = await backup(t.src, t.zip);
    db.close();
    expect(r.manifest.collections.map((c) => c.name)).toContain('renamed');
    expect(r.manifest.files.map((f) => f.path)).not.toContain('chroma.sqlite3-wal');
    await restore(t.zip, t.target);
    const folder = ChromaFolder.open(t.target);
    expect(folder.count({ name: 'renamed' })).toBe(5);
    folder.close();
  });

  it('refuses up front when the disk is too full for the copy and the zip', async () => {
    const t = fresh();
    const tmpDir = join(t.dir, 'tmp');
    mkdirSync(tmpDir);
    const err = await backup(t.src, t.zip, { tmpDir, statfs: async () => ({ bavail: 100, bsize: 4096 }) }).catch((e: unknown) => e);
    expect((err as InspectorError).details?.reason).toBe('no-space');
    expect((err as Error).message).toMatch(/not enough free disk space/);
    expect(existsSync(t.zip)).toBe(false);
    expect(readdirSync(tmpDir)).toEqual([]);
  });

  it('refuses to write the zip inside the source folder or over an existing file', async () => {
    const t = fresh();
    await expect(backup(t.src, join(t.src, 'in.zip'))).rejects.toThrow(/must not be inside/);
    expect(existsSync(join(t.src, 'in.zip'))).toBe(false);
    await backup(t.src, t.zip);
    await expect(backup(t.src, t.zip)).rejects.toThrow(/already exists/);
  });
});

describe('consistent snapshots', () => {
  const touchSegmentFile = (src: string) => {
    const seg = '3ff36477-e20e-40a5-a49b-a4ff189f5ab7'; // articles, a persisted checkpoint
    const f = join(src, seg, 'data_level0.bin');
    const later = new Date(statSync(f).mtimeMs + 5000);
    utimesSync(f, later, later);
  };

  it('retries when a segment file changes while it is copied', async () => {
    const t = fresh();
    const messages: string[] = [];
    const r = await backup(t.src, t.zip, {
      backoffMs: 1,
      afterCopy: (attempt) => {
        if (attempt === 1) touchSegmentFile(t.src);
      },
      onProgress: (p) => messages.push(p.message),
    });
    expect(r.manifest.attempts).toBe(2);
    expect(messages.some((m) => /retrying/.test(m))).toBe(true);
    await verify(t.zip);
  });

  it('retries when a vector segment\'s max_seq_id moves', async () => {
    const t = fresh();
    const r = await backup(t.src, t.zip, {
      backoffMs: 1,
      afterCopy: (attempt) => {
        if (attempt !== 1) return;
        const db = new Database(join(t.src, 'chroma.sqlite3'));
        db.prepare("UPDATE max_seq_id SET seq_id = seq_id + 1 WHERE segment_id = '3ff36477-e20e-40a5-a49b-a4ff189f5ab7'").run();
        db.close();
      },
    });
    expect(r.manifest.attempts).toBe(2);
  });

  it('gives up with a clear error, and no zip, when the folder never holds still', async () => {
    const t = fresh();
    const tmpDir = join(t.dir, 'tmp');
    mkdirSync(tmpDir);
    const err = await backup(t.src, t.zip, { tmpDir, maxAttempts: 3, backoffMs: 1, afterCopy: () => touchSegmentFile(t.src) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InspectorError);
    expect((err as InspectorError).code).toBe('FOLDER_BUSY');
    expect((err as InspectorError).details?.reason).toBe('snapshot.torn');
    expect((err as Error).message).toMatch(/3 attempts.*data_level0\.bin was modified while copying/);
    expect(existsSync(t.zip)).toBe(false);
    expect(readdirSync(t.dir).filter((f) => f.includes('.partial-'))).toEqual([]);
    expect(readdirSync(tmpDir)).toEqual([]);
  });

  it('a copied checkpoint that disagrees with the live one is torn; damage the folder has itself is a warning', async () => {
    const t = fresh();
    const staged = join(t.dir, 'staged');
    cpSync(t.src, staged, { recursive: true });
    const seg = '3ff36477-e20e-40a5-a49b-a4ff189f5ab7';
    truncateSync(join(staged, seg, 'data_level0.bin'), 100);
    const torn = checkSnapshot(staged, t.src, {});
    expect(torn.torn).toMatch(/articles.*data_level0\.bin/);
    truncateSync(join(t.src, seg, 'data_level0.bin'), 100);
    const damaged = checkSnapshot(staged, t.src, {});
    expect(damaged.torn).toBeNull();
    expect(damaged.warnings.join('\n')).toMatch(/articles: the folder itself has this problem/);
  });

  for (const phase of ['snapshot', 'zip']) {
    it(`cancel during the ${phase} phase: CANCELLED, no zip, no temp files`, async () => {
      const t = fresh();
      const tmpDir = join(t.dir, 'tmp');
      mkdirSync(tmpDir);
      const ac = new AbortController();
      const err = await backup(t.src, t.zip, {
        tmpDir,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.message.startsWith(`${phase}:`)) ac.abort();
        },
      }).catch((e: unknown) => e);
      expect((err as InspectorError).code).toBe('CANCELLED');
      expect(existsSync(t.zip)).toBe(false);
      expect(readdirSync(t.dir).filter((f) => f.includes('.partial-'))).toEqual([]);
      expect(readdirSync(tmpDir)).toEqual([]);
    });
  }
});

const hasZip = spawnSync('zip', ['-v']).status === 0;

describe.skipIf(!hasZip)('plain `zip -r` of a Chroma folder', () => {
  it('restores with a warning, files at the zip root', async () => {
    const t = fresh();
    execFileSync('zip', ['-r', '-q', t.zip, '.'], { cwd: t.src });
    const r = await restore(t.zip, t.target);
    expect(r.manifest).toBeNull();
    expect(r.warnings.join('\n')).toMatch(/no manifest\.json/);
    expect(runCases(t.target, loadCases('chroma-1.3.4-seed7'))).toEqual([]);
  });

  it('restores with a warning, folder as the top-level directory', async () => {
    const t = fresh('chroma-1.0.1-seed7');
    execFileSync('zip', ['-r', '-q', t.zip, 'chroma-1.0.1-seed7-data'], { cwd: t.dir });
    const r = await restore(t.zip, t.target);
    expect(r.warnings.join('\n')).toMatch(/no manifest\.json.*inside "chroma-1\.0\.1-seed7-data"/);
    expect(runCases(t.target, loadCases('chroma-1.0.1-seed7'))).toEqual([]);
  });

  it('verify accepts it too, with the same warning', async () => {
    const t = fresh();
    execFileSync('zip', ['-r', '-q', t.zip, '.'], { cwd: t.src });
    const v = await verify(t.zip);
    expect(v.warnings.join('\n')).toMatch(/no manifest/);
    expect(v.collections.every((c) => c.expected === null && c.count >= 0)).toBe(true);
  });
});
