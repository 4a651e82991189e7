import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { readWalTail } from '../../src-main/engine/wal/read-wal.js';
import { FolderWriter } from '../../src-main/engine/write/folder-writer.js';
import { writeRecords, type RecordWrite } from '../../src-main/engine/write/record-writes.js';
import { PersistentClient } from '../../src-main/index.js';

/**
 * The vector rows a writer committed are kept until a checkpoint holds them (write/recent-rows.ts):
 * a persist takes them from memory instead of reading back what it just wrote — but only when the
 * WAL holds exactly them. The reference is the WAL itself, read and decoded.
 */
async function writerOnNewCollection() {
  const dir = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-recent-')), 'data');
  const client = new PersistentClient({ path: dir });
  await client.createCollection({ name: 'recent', configuration: { hnsw: { sync_threshold: 100_000 } }, embeddingFunction: null });
  await client.close();
  const reader = ChromaFolder.open(dir);
  const c = reader.catalog.collections[0]!;
  reader.close();
  const target = { collectionId: c.id, topic: c.topic, metadataSegmentId: c.metadataSegment!.id, vectorSegmentId: c.vectorSegment!.id };
  const w = FolderWriter.open(dir);
  const v = (x: number) => Float32Array.from([x, x + 1, x + 2]);
  const write = (op: 'ADD' | 'UPDATE' | 'UPSERT' | 'DELETE', records: RecordWrite[]) => writeRecords(w, target, op, records);
  return { dir, w, topic: c.topic, write, v };
}

const fields = (rows: { seqId: number; operation: string; id: string; vector: Float32Array | null }[]) =>
  rows.map((r) => ({ seqId: r.seqId, operation: r.operation, id: r.id, vector: r.vector && Array.from(r.vector) }));

describe('the rows a writer committed (RecentRows)', () => {
  it('are what the WAL holds above any seq, and come from memory while it holds exactly them', async () => {
    const { w, topic, write, v } = await writerOnNewCollection();
    try {
      const a = { id: 'a', vector: v(1) };
      const first = write('ADD', [a, { id: 'b', vector: v(2) }]).firstSeq;
      write('UPDATE', [{ id: 'a' }]); // metadata only: no vector
      write('UPSERT', [{ id: 'c', vector: v(3) }]);
      write('DELETE', [{ id: 'b' }]);
      for (const after of [0, first, first + 2, first + 4]) {
        expect(fields(w.recent.tail(w.db, topic, after)), `above ${after}`).toEqual(fields(readWalTail(w.db, topic, after, { vectorsOnly: true })));
      }
      // From memory: the same rows at every call (a read of the WAL decodes new ones each time)…
      expect(w.recent.tail(w.db, topic, 0)[0]).toBe(w.recent.tail(w.db, topic, 0)[0]);
      // …holding copies: what the caller does with its array afterwards does not reach them.
      a.vector[0] = 99;
      expect(fields(w.recent.tail(w.db, topic, 0))).toEqual(fields(readWalTail(w.db, topic, 0, { vectorsOnly: true })));
      w.recent.forget(topic, first);
      expect(fields(w.recent.tail(w.db, topic, first))).toEqual(fields(readWalTail(w.db, topic, first, { vectorsOnly: true })));
      expect(w.recent.tail(w.db, topic, first)[0]!.operation).toBe('ADD');
      expect(w.recent.tail(w.db, topic, first)[0]!.id).toBe('b');
    } finally {
      w.close();
    }
  });

  it('are read from the WAL once anyone else wrote or removed a row there', async () => {
    const { dir, w, topic, write, v } = await writerOnNewCollection();
    try {
      const a = { id: 'a', vector: v(1) };
      write('ADD', [a, { id: 'b', vector: v(2) }]);
      // Another connection appends a row to the topic (as another writer would).
      const other = new Database(join(dir, 'chroma.sqlite3'));
      other.prepare("INSERT INTO embeddings_queue (seq_id, operation, topic, id, vector, encoding, metadata) VALUES (100, 0, ?, 'x', ?, 'FLOAT32', '{}')").run(topic, Buffer.from(v(9).buffer));
      let tail = w.recent.tail(w.db, topic, 0);
      expect(fields(tail)).toEqual(fields(readWalTail(w.db, topic, 0, { vectorsOnly: true })));
      expect(tail.map((r) => r.id)).toEqual(['a', 'b', 'x']);
      expect(w.recent.tail(w.db, topic, 0)[0]).not.toBe(tail[0]);
      // …or removes one: the same count no longer means the same rows.
      other.prepare("DELETE FROM embeddings_queue WHERE id = 'x'").run();
      other.prepare("DELETE FROM embeddings_queue WHERE id = 'a'").run();
      tail = w.recent.tail(w.db, topic, 0);
      expect(tail.map((r) => r.id)).toEqual(['b']);
      other.close();
    } finally {
      w.close();
    }
  });
});
