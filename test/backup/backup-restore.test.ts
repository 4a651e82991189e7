import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backup } from '../../src-main/engine/backup/backup.js';
import { restore } from '../../src-main/engine/backup/restore.js';
import { verify } from '../../src-main/engine/backup/verify.js';
import { hashTree } from '../helpers/hash-tree.js';
import { FIXTURES, copyFixture, loadCases, runCases, scratch } from './helpers.js';

const tmp = scratch();
afterAll(() => tmp.cleanup());

for (const fixture of FIXTURES) {
  describe(`backup → restore: ${fixture}`, () => {
    it('restores a folder on which every recorded Chroma case still gives Chroma\'s answer; the source is untouched', async () => {
      const src = copyFixture(fixture, tmp.dir);
      const before = hashTree(src);
      const zip = join(tmp.dir, `${fixture}.zip`);
      const progress: string[] = [];
      const result = await backup(src, zip, { onProgress: (p) => progress.push(p.message) });
      expect(hashTree(src)).toEqual(before);
      expect(progress.length).toBeGreaterThan(0);
      expect(result.manifest.collections.length).toBeGreaterThan(0);
      expect(result.manifest.files.map((f) => f.path)).toContain('chroma.sqlite3');
      expect(result.manifest.tool.version).toMatch(/\d+\.\d+/);

      const v = await verify(zip);
      expect(v.collections.every((c) => c.count === c.expected)).toBe(true);

      const target = join(tmp.dir, `${fixture}-restored`);
      const r = await restore(zip, target);
      expect(r.warnings).toEqual([]);
      expect(runCases(target, loadCases(fixture))).toEqual([]);
      expect(readdirSync(tmp.dir).filter((n) => n.includes('.restoring-'))).toEqual([]);
      expect(existsSync(join(target, 'chroma.sqlite3'))).toBe(true);
    });
  });
}
