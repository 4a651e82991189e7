import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusSuite, hasRealWorld, realWorldDir } from '../helpers/paths.js';

// The filter compiler joins Chroma 0.4.0's full-text table on embeddings.id (docs/format.md §9.1).
describe.skipIf(!hasRealWorld)(corpusSuite('legacy full-text table'), () => {
  it('the old FTS table keys rows by embeddings.id (checked on a real 0.4.0 folder)', () => {
    const file = join(realWorldDir, 'mdiarrah-chat.petals.dev.apna-DB', 'chroma.sqlite3');
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const row = db
        .prepare(
          `SELECT count(*) AS n, sum(f.string_value = m.string_value) AS same FROM embedding_fulltext f
           JOIN embedding_metadata m ON m.id = f.id AND m.key = 'chroma:document'`,
        )
        .get() as { n: number; same: number };
      expect(row.n).toBeGreaterThan(0);
      expect(row.same).toBe(row.n);
    } finally {
      db.close();
    }
  });
});
