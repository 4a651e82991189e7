import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { KIND_FLOAT, KIND_INT } from '../../src-main/engine/filter/execute-bitset.js';
import { eachMapValue } from '../../src-main/engine/map/map-values.js';
import { referenceFixture } from '../helpers/paths.js';

// The embedding map's colours (scales and category counts) come from every record's value for a
// key. In a folder whose collections were written in turns (the workload fixture), a segment's
// range of internal ids holds other collections' rows too: those are not its records. The
// oracle is SQL over the segment's own rows.
describe("the map's values for a key", () => {
  for (const fixture of ['workload-1.3.4-seed7', 'chroma-1.3.4-seed7']) {
    it(`are the segment's own records' values, in ${fixture}`, () => {
      const dir = join(referenceFixture(fixture), 'data');
      const folder = ChromaFolder.open(dir);
      const db = new Database(join(dir, 'chroma.sqlite3'), { readonly: true });
      try {
        const segments = db
          .prepare("SELECT c.name AS name, s.id AS id FROM collections c JOIN segments s ON s.collection = c.id JOIN databases d ON d.id = c.database_id WHERE s.scope = 'METADATA' AND d.name = 'default_database'")
          .all() as { name: string; id: string }[];
        let checked = 0;
        for (const seg of segments) {
          const rows = (key: string) =>
            db
              .prepare('SELECT m.int_value AS i, m.float_value AS f FROM embedding_metadata m JOIN embeddings e ON e.id = m.id WHERE e.segment_id = ? AND m.key = ?')
              .safeIntegers(false)
              .all(seg.id, key) as { i: number | null; f: number | null }[];
          const keys = db.prepare('SELECT DISTINCT m.key FROM embedding_metadata m JOIN embeddings e ON e.id = m.id WHERE e.segment_id = ?').pluck().all(seg.id) as string[];
          for (const key of keys) {
            const want = rows(key);
            let taken = 0;
            let [lo, hi] = [Infinity, -Infinity];
            eachMapValue(folder.collection({ name: seg.name }), key, (_label, kind, num) => {
              taken++;
              if (kind === KIND_INT || kind === KIND_FLOAT) [lo, hi] = [Math.min(lo, num), Math.max(hi, num)];
            });
            expect(taken, `${seg.name} ${key}`).toBe(want.length);
            const nums = want.map((r) => r.i ?? r.f).filter((v): v is number => v !== null);
            expect([lo, hi], `${seg.name} ${key}`).toEqual(nums.length ? [Math.min(...nums), Math.max(...nums)] : [Infinity, -Infinity]);
            checked++;
          }
        }
        expect(checked).toBeGreaterThan(8);
      } finally {
        db.close();
        folder.close();
      }
    });
  }
});
