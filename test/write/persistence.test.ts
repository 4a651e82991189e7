import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { PersistentClient } from '../../src-main/index.js';
import { hashTree } from '../helpers/hash-tree.js';
import { referenceFixture } from '../helpers/paths.js';
import { batchRecords } from './crash-batches.js';
import { until } from '../helpers/wait-for.js';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'chroma-inspector-persist-')), 'data');
const rows = (dir: string, sql: string, ...params: unknown[]) => {
  const db = new Database(join(dir, 'chroma.sqlite3'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as Record<string, unknown>[];
  } finally {
    db.close();
  }
};
const segments = (dir: string, name: string) => {
  const r = rows(dir, 'SELECT s.id, s.scope FROM segments s JOIN collections c ON c.id = s.collection WHERE c.name = ?', name);
  return { vector: String(r.find((x) => x.scope === 'VECTOR')!.id), metadata: String(r.find((x) => x.scope === 'METADATA')!.id) };
};

describe('persistence cadence and WAL purging', () => {
  it('reading through PersistentClient changes no byte of the folder', async () => {
    const dir = fresh();
    cpSync(join(referenceFixture('chroma-1.3.4-seed7'), 'data'), dir, { recursive: true });
    const before = hashTree(dir);
    const client = new PersistentClient({ path: dir });
    const col = await client.getCollection({ name: 'articles' });
    await col.count();
    await col.get({ limit: 5, include: ['embeddings'] });
    await col.query({ queryEmbeddings: [Array(16).fill(0.1)], nResults: 3 });
    await client.listCollections();
    await client.close();
    expect(hashTree(dir)).toEqual(before);
  });

  it('close() persists the checkpoint, moves the vector max_seq_id and purges the WAL to its last row', async () => {
    const dir = fresh();
    const client = new PersistentClient({ path: dir });
    const col = await client.createCollection({ name: 'ppp', embeddingFunction: null });
    await col.add(batchRecords(1, 50));
    await col.delete({ ids: ['b1-r0'] });
    const seg = segments(dir, 'ppp');
    expect(existsSync(join(dir, seg.vector, 'index_metadata.pickle'))).toBe(false); // below sync_threshold: WAL only
    expect(rows(dir, 'SELECT count(*) AS n FROM embeddings_queue')).toEqual([{ n: 51 }]);
    await client.close();
    expect(existsSync(join(dir, seg.vector, 'index_metadata.pickle'))).toBe(true);
    const seqs = rows(dir, 'SELECT segment_id AS s, seq_id AS q FROM max_seq_id');
    expect(new Set(seqs.map((r) => r.q))).toEqual(new Set([51]));
    // Chroma keeps the row at min(M, V): only seq 51 remains.
    expect(rows(dir, 'SELECT seq_id FROM embeddings_queue')).toEqual([{ seq_id: 51 }]);
    const f = ChromaFolder.open(dir);
    try {
      const info = f.collectionInfo({ name: 'ppp' });
      expect(info.segments.find((s) => s.scope === 'VECTOR')?.vector?.checkpointUsable).toBe(true);
      expect(info.vectorLag).toBe(0);
      expect(info.count).toBe(49);
    } finally {
      f.close();
    }
  });

  it('persists during writes once sync_threshold rows wait, as Chroma does', async () => {
    const dir = fresh();
    const client = new PersistentClient({ path: dir });
    const col = await client.createCollection({ name: 'ppp', configuration: { hnsw: { sync_threshold: 100 } }, embeddingFunction: null });
    const seg = segments(dir, 'ppp');
    await col.add(batchRecords(1, 60));
    expect(existsSync(join(dir, seg.vector, 'index_metadata.pickle'))).toBe(false);
    await col.add(batchRecords(2, 60));
    // The checkpoint is built in a worker thread while the client goes on (background-persist.test.ts);
    // it is swapped in by itself once built, with no further call.
    await until(() => existsSync(join(dir, seg.vector, 'index_metadata.pickle')), 'the checkpoint');
    await until(() => rows(dir, 'SELECT seq_id AS q FROM max_seq_id WHERE segment_id = ?', seg.vector)[0]?.q === 120, 'max_seq_id 120');
    // Purged after the swap, in pieces (wal-purge.ts purgeWalLater), down to min(M, V) as Chroma keeps it.
    await until(() => rows(dir, 'SELECT count(*) AS n FROM embeddings_queue')[0]?.n === 1, 'the WAL purged');
    await client.close();
  });

  it('keeps the WAL when embeddings_queue_config turns purging off', async () => {
    const dir = fresh();
    const setup = new PersistentClient({ path: dir });
    await setup.createCollection({ name: 'ppp', embeddingFunction: null });
    await setup.close();
    const db = new Database(join(dir, 'chroma.sqlite3'));
    db.prepare(`UPDATE embeddings_queue_config SET config_json_str = '{"automatically_purge":false,"_type":"EmbeddingsQueueConfigurationInternal"}'`).run();
    db.close();
    const client = new PersistentClient({ path: dir });
    await (await client.getCollection({ name: 'ppp' })).add(batchRecords(1, 30));
    await client.close();
    expect(rows(dir, 'SELECT count(*) AS n FROM embeddings_queue')).toEqual([{ n: 30 }]);
  });

  it('two clients on one path share the folder: each sees the other\u2019s writes at once', async () => {
    const dir = fresh();
    const a = new PersistentClient({ path: dir });
    const b = new PersistentClient({ path: dir });
    await a.createCollection({ name: 'shared', embeddingFunction: null });
    await (await b.getCollection({ name: 'shared' })).add(batchRecords(1, 10));
    expect(await (await a.getCollection({ name: 'shared' })).count()).toBe(10);
    await a.close();
    expect(await (await b.getCollection({ name: 'shared' })).count()).toBe(10);
    await b.close();
    await expect(b.countCollections()).rejects.toThrow(/closed/);
  });
});
