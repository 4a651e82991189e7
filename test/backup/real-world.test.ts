import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backup } from '../../src-main/engine/backup/backup.js';
import { restore } from '../../src-main/engine/backup/restore.js';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { hashTree } from '../helpers/hash-tree.js';
import { hasRealWorld, realWorldDir } from '../helpers/paths.js';
import { scratch } from './helpers.js';

// Real folders from public repositories, 0.4.0 to 1.5 (read in place from ../shared; skipped
// where absent): backup → restore keeps every collection's count, and a one-collection backup
// of each era's first collection restores to just that collection.
const folders = hasRealWorld
  ? readdirSync(realWorldDir)
      .filter((n) => statSync(join(realWorldDir, n)).isDirectory() && existsSync(join(realWorldDir, n, 'chroma.sqlite3')))
      .sort()
  : [];

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

describe.skipIf(!hasRealWorld)('backup → restore of real-world folders', () => {
  for (const name of folders) {
    it(name, async () => {
      const src = join(tmp.dir, name);
      cpSync(join(realWorldDir, name), src, { recursive: true });
      let before: Record<string, number>;
      try {
        before = counts(src);
      } catch {
        return; // folders the read engine refuses (e.g. 0.4.0 hot journals) are covered by the corpus suite
      }
      const hashes = hashTree(src);
      const zip = join(tmp.dir, `${name}.zip`);
      const { manifest } = await backup(src, zip);
      expect(hashTree(src)).toEqual(hashes);
      const target = join(tmp.dir, `${name}-restored`);
      await restore(zip, target);
      expect(counts(target)).toEqual(before);
      const first = manifest.collections[0];
      if (first) {
        const one = join(tmp.dir, `${name}-one.zip`);
        await backup(src, one, { collection: first.id });
        const oneTarget = join(tmp.dir, `${name}-one`);
        await restore(one, oneTarget);
        expect(counts(oneTarget)).toEqual({ [first.id]: before[first.id] });
      }
    });
  }
});
