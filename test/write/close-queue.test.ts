import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { EmbeddedFolder } from '../../src-main/engine/write/embedded-folder.js';
import { PersistentClient } from '../../src-main/index.js';
import { pickleField } from '../helpers/pickle-field.js';
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

describe('a folder opened again in this process while its last client closes', () => {
  it("runs the new client's calls after that close, and both clients' records end up persisted", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-reopen-')), 'data');
    const first = new PersistentClient({ path: dir });
    const col = await first.createCollection({ name: 'reopened', configuration: { hnsw: { sync_threshold: 200 } }, embeddingFunction: null });
    await col.add(batchRecords(1, 1000)); // a checkpoint builds in the background; close persists the rest
    const events: string[] = [];
    const closed = first.close().then(() => events.push('closed'));

    const second = new PersistentClient({ path: dir });
    const again = await second.getCollection({ name: 'reopened', embeddingFunction: null });
    await again.add(batchRecords(2, 300));
    events.push('added');
    await closed;
    expect(events).toEqual(['closed', 'added']);
    expect(await again.count()).toBe(1300);
    await second.close();

    expect(readdirSync(dir).filter((n) => /\.(next|prev|trash)-/.test(n))).toEqual([]);
    const reader = ChromaFolder.open(dir);
    try {
      expect(reader.info().problems.filter((p) => p.severity === 'error')).toEqual([]);
      const seg = reader.catalog.collections[0]!.vectorSegment!.id;
      expect(pickleField(join(dir, seg), 'id_to_label').size).toBe(1300);
      const probe = batchRecords(2, 300);
      expect(reader.query({ name: 'reopened' }, { queryEmbeddings: [probe.embeddings[7]!], nResults: 1 }).ids).toEqual([[probe.ids[7]]]);
    } finally {
      reader.close();
    }
  });
});
