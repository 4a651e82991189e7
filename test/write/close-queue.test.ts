import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { EmbeddedFolder } from '../../src-main/engine/write/embedded-folder.js';
import { PersistentClient } from '../../src-main/index.js';
import { batchRecords } from './crash-batches.js';

/** close() is the last call in an EmbeddedFolder's queue: what is queued after it fails, and writes nothing. */
const walRows = (dir: string) => {
  const db = new Database(join(dir, 'chroma.sqlite3'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM embeddings_queue').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('EmbeddedFolder.close', () => {
  for (const flush of [false, true]) {
    it(`rejects a call queued after it without writing it (flush: ${flush}); a second close waits for the first`, async () => {
      const dir = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-close-')), 'data');
      const client = new PersistentClient({ path: dir });
      await (await client.createCollection({ name: 'closing', embeddingFunction: null })).add(batchRecords(1, 5));
      await client.close();
      const before = walRows(dir);

      const folder = EmbeddedFolder.open(dir);
      const id = folder.reader.catalog.collections[0]!.id;
      const more = batchRecords(2, 3);
      const closing = folder.close({ flush });
      const again = folder.close({ flush });
      const late = folder.run(() => folder.writeRecords(id, 'ADD', more.ids.map((rid, i) => ({ id: rid, vector: Float32Array.from(more.embeddings[i]!) }))));
      await expect(late).rejects.toThrow(/is closed/);
      await closing;
      await again;
      await folder.close();
      expect(walRows(dir)).toBe(before);
    });
  }
});
