import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backup } from '../../src-main/engine/backup/backup.js';
import { restore } from '../../src-main/engine/backup/restore.js';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { hashTree } from '../helpers/hash-tree.js';
import { corpusSuite, hasRealWorld, realWorldDir } from '../helpers/paths.js';
import { scratch } from '../backup/helpers.js';

// Real folders from public repositories, 0.4.0 to 1.5 (read in place, see test/helpers/paths.ts; they carry
// no licence, so they are never copied into the repo): backup → restore keeps every collection
// with the record count the corpus manifest lists (counted from the folder itself when it was
// collected, not by us), and a one-collection backup restores to just that collection.

interface CorpusEntry {
  name: string;
  collections: { id: string; name: string; records: number }[];
}

const corpus: CorpusEntry[] = hasRealWorld ? JSON.parse(readFileSync(join(realWorldDir, 'manifest.json'), 'utf8')) : [];
const suite = corpusSuite('backup → restore of real-world folders');

const tmp = scratch();
afterAll(() => tmp.cleanup());

function counts(dir: string): Record<string, number> {
  const f = ChromaFolder.open(dir);
  try {
    return Object.fromEntries(f.collectionReaders().map((r) => [r.id, r.count()]));
  } finally {
    f.close();
  }
}

describe.skipIf(!hasRealWorld)(suite, () => {
  it('the corpus manifest lists folders, and each is there', () => {
    expect(corpus.length).toBeGreaterThan(0);
    for (const e of corpus) expect(existsSync(join(realWorldDir, e.name, 'chroma.sqlite3')), e.name).toBe(true);
  });

  for (const entry of corpus) {
    it(entry.name, async () => {
      const expected = Object.fromEntries(entry.collections.map((c) => [c.id, c.records]));
      const src = join(tmp.dir, entry.name);
      cpSync(join(realWorldDir, entry.name), src, { recursive: true });
      expect(counts(src), 'the copy, before any backup').toEqual(expected);
      const hashes = hashTree(src);
      const zip = join(tmp.dir, `${entry.name}.zip`);
      const { manifest } = await backup(src, zip);
      expect(hashTree(src), 'backup must not change the source').toEqual(hashes);
      expect(manifest.collections.map((c) => c.id).sort()).toEqual(Object.keys(expected).sort());
      const target = join(tmp.dir, `${entry.name}-restored`);
      await restore(zip, target);
      expect(counts(target)).toEqual(expected);
      for (const one of entry.collections.slice(0, 1)) {
        const oneZip = join(tmp.dir, `${entry.name}-one.zip`);
        await backup(src, oneZip, { collection: one.id });
        const oneTarget = join(tmp.dir, `${entry.name}-one`);
        await restore(oneZip, oneTarget);
        expect(counts(oneTarget)).toEqual({ [one.id]: one.records });
      }
    });
  }
});
