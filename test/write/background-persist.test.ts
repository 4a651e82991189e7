import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { PersistentClient } from '../../src-main/index.js';
import { pickleField } from '../helpers/pickle-field.js';
import { spyOnSteps } from '../helpers/spy-steps.js';
import { PickleIdMap } from '../../src-main/engine/hnsw/pickle-id-map.js';
import { until } from '../helpers/wait-for.js';
import { batchRecords } from './crash-batches.js';

/**
 * A checkpoint persist after a write is built in a worker thread while the client goes on
 * (EmbeddedFolder.startPersist): the write returns once the WAL holds its rows, reads see them
 * from the WAL meanwhile, and the new checkpoint is swapped in when built.
 */
const fresh = () => join(mkdtempSync(join(tmpdir(), 'chroma-inspector-bgpersist-')), 'data');
const one = (dir: string, sql: string, ...params: unknown[]) => {
  const db = new Database(join(dir, 'chroma.sqlite3'), { readonly: true });
  try {
    return db.prepare(sql).get(...params) as Record<string, unknown> | undefined;
  } finally {
    db.close();
  }
};
const vectorSegment = (dir: string, name: string) =>
  String(one(dir, "SELECT s.id FROM segments s JOIN collections c ON c.id = s.collection WHERE c.name = ? AND s.scope = 'VECTOR'", name)!.id);
const vectorSeq = (dir: string, seg: string) => (one(dir, 'SELECT seq_id AS q FROM max_seq_id WHERE segment_id = ?', seg)?.q as number | undefined) ?? 0;
const walRows = (dir: string) => one(dir, 'SELECT count(*) AS n FROM embeddings_queue')!.n as number;
/** Staging and previous-checkpoint folders a persist leaves only while it runs. */
const leftovers = (dir: string) => readdirSync(dir).filter((n) => /\.(next|prev|trash)-/.test(n));

/** A new folder with one collection persisted every 100 rows, and its vector segment's id. */
async function openCollection(name: string) {
  const dir = fresh();
  const client = new PersistentClient({ path: dir });
  const col = await client.createCollection({ name, configuration: { hnsw: { sync_threshold: 100 } }, embeddingFunction: null });
  return { dir, client, col, seg: vectorSegment(dir, name) };
}

describe('checkpoints persisted in the background', () => {
  it('a write returns while its checkpoint builds; reads see its rows from the WAL; the checkpoint is swapped in by itself', async () => {
    const { dir, client, col, seg } = await openCollection('bgp');
    await col.add(batchRecords(1, 60));
    const second = batchRecords(2, 3000);
    await col.add(second);
    // 3,060 rows wait, over sync_threshold: the build has begun, but nothing is swapped in yet.
    expect(vectorSeq(dir, seg)).toBe(0);
    expect(existsSync(join(dir, seg, 'index_metadata.pickle'))).toBe(false);
    expect(await col.count()).toBe(3060);
    const hit = await col.query({ queryEmbeddings: [second.embeddings[2999]!], nResults: 1, include: ['distances'] });
    expect(hit.ids[0]).toEqual(['b2-r2999']);
    expect(hit.distances![0]![0]).toBeCloseTo(0, 5);

    await until(() => vectorSeq(dir, seg) === 3060, 'the checkpoint to be swapped in');
    expect(existsSync(join(dir, seg, 'index_metadata.pickle'))).toBe(true);
    await until(() => walRows(dir) === 1, 'the WAL purged'); // purged to min(M, V), as Chroma keeps it
    expect(leftovers(dir)).toEqual([]);
    await client.close();
  });

  it('the WAL purged behind a published checkpoint, after the call, leaves the reader its loaded state: the next read rebuilds nothing', async () => {
    const { dir, client, col, seg } = await openCollection('purged');
    await col.add(batchRecords(1, 60));
    const second = batchRecords(2, 5000);
    await col.add(second);
    // Swapped in by itself, then purged (5,000 rows a piece: here two, the second finding none left).
    await until(() => vectorSeq(dir, seg) === 5060 && walRows(dir) === 1, 'the checkpoint swapped in and the WAL purged', 60_000);
    const refreshes = vi.spyOn(ChromaFolder.prototype, 'refresh');
    try {
      const got = await col.query({ queryEmbeddings: [second.embeddings[17]!], nResults: 1 });
      expect(got.ids[0]).toEqual([second.ids[17]]);
      expect(await col.count()).toBe(5060);
      expect(refreshes, 'the purge taken as a change of the data').not.toHaveBeenCalled();
    } finally {
      refreshes.mockRestore();
      await client.close();
    }
  });

  it('a delete and a replacement written during a build wait for the next persist; close() persists them and leaves nothing behind', async () => {
    const { dir, client, col, seg } = await openCollection('bgp');
    await col.add(batchRecords(1, 2000));
    await col.add(batchRecords(2, 150));
    await col.delete({ ids: ['b1-r0', 'b2-r0'] });
    await col.upsert({ ...batchRecords(3, 1), ids: ['b1-r1'] });
    await client.close();
    expect(vectorSeq(dir, seg)).toBe(2153);
    expect(walRows(dir)).toBe(1);
    expect(leftovers(dir)).toEqual([]);
    // A Rust-era folder: id_to_seq_id written empty, as Rust writes it (docs/format.md §6.7).
    expect(pickleField(join(dir, seg), 'id_to_label').size).toBe(2148);
    expect(pickleField(join(dir, seg), 'id_to_seq_id').size).toBe(0);
    const f = ChromaFolder.open(dir);
    try {
      const info = f.collectionInfo({ name: 'bgp' });
      expect(info.segments.find((s) => s.scope === 'VECTOR')?.vector?.checkpointUsable).toBe(true);
      expect(info.vectorLag).toBe(0);
      expect(info.count).toBe(2148);
      // The upserted vector replaced b1-r1's: its own vector is its nearest at distance 0.
      const moved = batchRecords(3, 1).embeddings[0]!;
      const r = f.query({ name: 'bgp' }, { queryEmbeddings: [moved], nResults: 1, include: ['distances'] });
      expect(r.ids[0]).toEqual(['b1-r1']);
      expect(r.distances![0]![0]).toBeCloseTo(0, 5);
    } finally {
      f.close();
    }
  });

  it('rows written during a build over sync_threshold start the next persist once it is swapped in, with no further call', async () => {
    const { dir, client, col, seg } = await openCollection('bgp');
    const first = batchRecords(1, 2000);
    await col.add(first);
    // Updates of ids the build holds: not handed to it (build-extensions.test.ts), so they wait for the next.
    await col.update({ ids: first.ids.slice(0, 150), embeddings: batchRecords(2, 150).embeddings });
    expect(vectorSeq(dir, seg)).toBe(0);
    await until(() => vectorSeq(dir, seg) === 2150, 'the second checkpoint');
    await until(() => walRows(dir) === 1, 'the WAL purged');
    await until(() => leftovers(dir).length === 0, 'the previous checkpoint folder to be removed');
    await client.close();
  });

  it('a build that finishes while the caller writes without pause (awaiting one add after another) is swapped in by the next write', async () => {
    const { dir, client, col, seg } = await openCollection('bgp');
    await col.add(batchRecords(1, 3000));
    expect(vectorSeq(dir, seg)).toBe(0);
    // Each add resolves through microtasks only: the build thread's message needs the event loop.
    let writes = 0;
    for (; writes < 3000 && vectorSeq(dir, seg) === 0; writes++) await col.add({ ids: [`tight-${writes}`], embeddings: [batchRecords(3, 1).embeddings[0]!] });
    // The first 3,000 records, and the tight writes the persist's preparation met before it read the WAL's end.
    expect(vectorSeq(dir, seg)).toBeGreaterThanOrEqual(3000);
    expect(vectorSeq(dir, seg)).toBeLessThanOrEqual(3000 + writes);
    expect(writes).toBeLessThan(3000);
    await client.close();
  });

  /** Every step of a sliced read then takes more than a slice: each gives the thread back (util/steps.ts). */
  const sliceEveryStep = () => {
    let t = 0;
    return vi.spyOn(performance, 'now').mockImplementation(() => (t += 25));
  };

  it("a process's first write over a checkpoint returns before the job that finds V has decoded the pickle; below sync_threshold it persists nothing, and the write that reaches it does", async () => {
    const { dir, client, col, seg } = await openCollection('bgp');
    await col.add(batchRecords(1, 150));
    await client.close();
    expect(vectorSeq(dir, seg)).toBe(150);

    // A new client knows no V: its first write starts a job that finds it, and ends idle.
    const idTable = spyOnSteps(PickleIdMap, 'buildSteps');
    const clock = sliceEveryStep();
    try {
      const again = new PersistentClient({ path: dir });
      const reopened = await again.getCollection({ name: 'bgp', embeddingFunction: null });
      await reopened.add(batchRecords(2, 30));
      expect(idTable.calls).toHaveLength(0);
      await until(() => idTable.calls.length === 1, 'the job to decode the pickle');
      await reopened.add(batchRecords(3, 30));
      expect(vectorSeq(dir, seg)).toBe(150);
      // 30 + 30 + 50 rows above V: the third write starts a persist, swapped in by itself.
      await reopened.add(batchRecords(4, 50));
      await until(() => vectorSeq(dir, seg) === 260, 'the checkpoint to be swapped in');
      expect(await reopened.count()).toBe(260);
      await again.close();
    } finally {
      clock.mockRestore();
      idTable.restore();
    }
    expect(pickleField(join(dir, seg), 'id_to_label').size).toBe(260);
    expect(leftovers(dir)).toEqual([]);
  });

  it('a close that comes while the first persist of a process reads the checkpoint waits for it, and persists every row', async () => {
    const { dir, client, col, seg } = await openCollection('bgp');
    await col.add(batchRecords(1, 150));
    await client.close();
    const idTable = spyOnSteps(PickleIdMap, 'buildSteps');
    const clock = sliceEveryStep();
    try {
      const again = new PersistentClient({ path: dir });
      const reopened = await again.getCollection({ name: 'bgp', embeddingFunction: null });
      await reopened.add(batchRecords(2, 120));
      // The job has not read the checkpoint yet when the close is asked.
      expect(idTable.calls).toHaveLength(0);
      const closing = again.close();
      await expect(reopened.add(batchRecords(3, 1))).rejects.toThrow(/closed/);
      await closing;
      expect(idTable.calls.length).toBeGreaterThan(0);
    } finally {
      clock.mockRestore();
      idTable.restore();
    }
    expect(vectorSeq(dir, seg)).toBe(270);
    expect(walRows(dir)).toBe(1);
    expect(leftovers(dir)).toEqual([]);
  });

  it('a persist over a checkpoint marks the labels of deleted records deleted in the graph, and adds the new ones', async () => {
    const { dir, client, col, seg } = await openCollection('bgp');
    const first = batchRecords(1, 150);
    await col.add(first);
    await until(() => vectorSeq(dir, seg) === 150, 'the first checkpoint');
    await col.delete({ ids: first.ids.slice(0, 3) });
    await col.add(batchRecords(2, 20));
    await client.close();
    expect(vectorSeq(dir, seg)).toBe(173);
    // The graph's own deletion marks (docs/format.md §6.1 offsets, §6.2: bit 0 of byte 2 of an element's level-0 row).
    const header = readFileSync(join(dir, seg, 'header.bin'));
    const [cur, size, labelAt] = [20, 28, 36].map((at) => Number(header.readBigUInt64LE(at)));
    const level0 = readFileSync(join(dir, seg, 'data_level0.bin'));
    const marked = Array.from({ length: cur! }, (_, i) => i).filter((i) => level0[i * size! + 2]! & 1).map((i) => level0.readUInt32LE(i * size! + labelAt!));
    expect(cur).toBe(170);
    expect(marked).toEqual([1, 2, 3]);
    expect(pickleField(join(dir, seg), 'id_to_label').size).toBe(167);
    // The reader counts them once it has loaded the index, and says it has not counted them before.
    const f = ChromaFolder.open(dir);
    try {
      const vectorState = () => f.collectionInfo({ name: 'bgp' }).segments.find((x) => x.scope === 'VECTOR')!.vector!;
      expect(vectorState().deletedElements).toBeNull();
      // A first query is answered from the files; the queries after it load the index.
      const ask = () => f.query({ name: 'bgp' }, { queryEmbeddings: [first.embeddings[9]!], nResults: 1 });
      await until(() => (ask(), vectorState().deletedElements !== null), 'the index to be loaded');
      expect([vectorState().persistedElements, vectorState().deletedElements]).toEqual([167, 3]);
    } finally {
      f.close();
    }
  });

  it('a build that fails leaves nothing in the folder and says so; the rows wait in the WAL for the next persist', async () => {
    const { dir, client, col, seg } = await openCollection('bgp');
    await col.add(batchRecords(1, 150));
    await until(() => vectorSeq(dir, seg) === 150, 'the first checkpoint');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    const tmp = process.env.TMPDIR;
    // The next build joins the checkpoint in a temp folder, which cannot be made now.
    process.env.TMPDIR = join(dir, 'no-such-folder');
    try {
      await col.add(batchRecords(2, 150));
      await until(() => warnings.length > 0, 'the warning');
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
      process.off('warning', onWarning);
    }
    expect(warnings[0]).toMatch(new RegExp(`could not persist the HNSW checkpoint of segment ${seg}`));
    expect(leftovers(dir)).toEqual([]);
    expect(vectorSeq(dir, seg)).toBe(150);
    expect(await col.count()).toBe(300);
    await client.close();
    expect(vectorSeq(dir, seg)).toBe(300);
    expect(leftovers(dir)).toEqual([]);
  });

  it('a collection deleted while its checkpoint builds: the build is dropped and nothing is left behind', async () => {
    const { dir, client, col, seg } = await openCollection('gone');
    await col.add(batchRecords(1, 3000));
    await client.deleteCollection({ name: 'gone' });
    const keep = await client.createCollection({ name: 'kept', embeddingFunction: null });
    await keep.add(batchRecords(2, 10));
    await client.close();
    expect(existsSync(join(dir, seg))).toBe(false);
    expect(leftovers(dir)).toEqual([]);
    const f = ChromaFolder.open(dir);
    try {
      expect(f.catalog.collections.map((c) => c.name)).toEqual(['kept']);
      expect(f.count({ name: 'kept' })).toBe(10);
    } finally {
      f.close();
    }
  });
});
