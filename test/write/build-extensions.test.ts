import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import type { BuildExtensions } from '../../src-main/engine/write/build-extensions.js';
import type { CheckpointBuildExtension } from '../../src-main/engine/write/checkpoint-build-program.js';
import { extendVectorPersist, settleExtensions } from '../../src-main/engine/write/persist-extension.js';
import { prepareVectorPersist } from '../../src-main/engine/write/vector-persist.js';
import { PersistentClient } from '../../src-main/index.js';
import { pickleField } from '../helpers/pickle-field.js';
import { callChroma, chromaClients, realChromaProblem, reportSkip, startChroma } from '../helpers/reference-chroma.js';
import { until } from '../helpers/wait-for.js';
import { batchRecords } from './crash-batches.js';
import { checkpointedWriter } from './checkpointed-writer.js';

/**
 * Rows written while a checkpoint builds join that build when they only add (EmbeddedFolder
 * persistIfDue → extendVectorPersist): the build inserts them before it saves, instead of a next
 * build loading the whole index and saving it again.
 */
const problem = realChromaProblem();
reportSkip('build-extensions', problem);

const scratch = mkdtempSync(join(tmpdir(), 'chroma-inspector-extend-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
const fresh = () => join(scratch, `f${folders++}`, 'data');

const one = (dir: string, sql: string) => {
  const db = new Database(join(dir, 'chroma.sqlite3'), { readonly: true });
  try {
    return db.prepare(sql).get() as Record<string, unknown>;
  } finally {
    db.close();
  }
};
const vectorSegment = (dir: string) => String(one(dir, "SELECT id FROM segments WHERE scope = 'VECTOR'").id);
const vectorSeq = (dir: string, seg: string) => (one(dir, `SELECT seq_id AS q FROM max_seq_id WHERE segment_id = '${seg}'`)?.q as number | undefined) ?? 0;
const walRows = (dir: string) => one(dir, 'SELECT count(*) AS n FROM embeddings_queue').n as number;

/** Every record's own vector is its nearest neighbour at distance 0, in our reader. */
function selfHits(dir: string, name: string, records: { ids: string[]; embeddings: number[][] }): string[] {
  const f = ChromaFolder.open(dir);
  try {
    const info = f.collectionInfo({ name });
    expect(info.vectorLag).toBe(0);
    const wrong: string[] = [];
    records.ids.forEach((id, i) => {
      const r = f.query({ name }, { queryEmbeddings: [records.embeddings[i]!], nResults: 1, include: ['distances'] });
      if (r.ids[0]![0] !== id || Math.abs(r.distances![0]![0]!) > 1e-5) wrong.push(`${id}: ${r.ids[0]![0]} at ${r.distances![0]![0]}`);
    });
    return wrong;
  } finally {
    f.close();
  }
}

/**
 * batchRecords with 240-dimensional vectors (ten batches' vectors side by side): hnswlib's inserts
 * are then slow enough that a build of 5,400 still runs when the next writes come, however loaded
 * the machine (with 24 dimensions a build once finished first, in a CI run).
 */
function records(batch: number, n: number) {
  const base = batchRecords(batch, n);
  const more = Array.from({ length: 9 }, (_, k) => batchRecords(1000 + batch * 10 + k, n).embeddings);
  return { ...base, embeddings: base.embeddings.map((v, i) => [...v, ...more.flatMap((m) => m[i]!)]) };
}

/**
 * A new folder with one collection persisted every 100 rows, its vector segment, and a first
 * batch of 5,400 records: enough that the build it starts is still inserting when the next writes
 * come, on a loaded machine too (one call takes at most 5,461 records).
 */
async function buildingCollection(name: string, space: 'l2' | 'cosine' = 'l2') {
  const dir = fresh();
  const client = new PersistentClient({ path: dir });
  const col = await client.createCollection({ name, configuration: { hnsw: { sync_threshold: 100, space } }, embeddingFunction: null });
  const first = records(1, 5400);
  await col.add(first); // over sync_threshold: a build of 5,400 begins
  return { dir, client, col, seg: vectorSegment(dir), first };
}

describe('rows written while a checkpoint builds', () => {
  it('join the build when they only add: the first checkpoint swapped in holds them, and real Chroma answers from it', async () => {
    const { dir, client, col, seg } = await buildingCollection('joined', 'cosine');
    const second = records(2, 150);
    const third = records(3, 120);
    await col.add(second); // 150 more, over sync_threshold above it: handed to that build
    await col.upsert(third); // new ids: additions too
    expect(vectorSeq(dir, seg)).toBe(0);
    await until(() => vectorSeq(dir, seg) > 0, 'the checkpoint to be swapped in');
    // One checkpoint with all three writes, not 5,400 first and the rest in a second build.
    expect(vectorSeq(dir, seg)).toBe(5670);
    await until(() => walRows(dir) === 1, 'the WAL purged');
    const labels = pickleField(join(dir, seg), 'id_to_label');
    expect(labels.size).toBe(5670);
    // The labels a replay of the WAL gives (docs/format.md §6.8): in write order, from 1.
    expect(Number(labels.get('b1-r5399'))).toBe(5400);
    expect(Number(labels.get('b2-r0'))).toBe(5401);
    expect(Number(labels.get('b3-r119'))).toBe(5670);
    // A last persist at close(), from the checkpoint this writer remembers (write/checkpoint-memo.ts).
    const fifth = records(5, 30);
    await col.add(fifth);
    await col.delete({ ids: ['b1-r0'] });
    await client.close();
    expect(vectorSeq(dir, seg)).toBe(5701);
    expect(pickleField(join(dir, seg), 'id_to_label').size).toBe(5699);
    expect(readdirSync(join(dir)).filter((n) => /\.(next|prev|trash)-/.test(n))).toEqual([]);
    const written = { ids: [...second.ids, ...third.ids, ...fifth.ids], embeddings: [...second.embeddings, ...third.embeddings, ...fifth.embeddings] };
    expect(selfHits(dir, 'joined', written)).toEqual([]);
    // The index stores unit vectors; length.bin's norms give the handed ones back as they were written.
    const f = ChromaFolder.open(dir);
    try {
      const got = f.get({ name: 'joined' }, { ids: [second.ids[0]!, third.ids[119]!], include: ['embeddings'] });
      const want = new Map([[second.ids[0]!, second.embeddings[0]!], [third.ids[119]!, third.embeddings[119]!]]);
      got.ids.forEach((id, i) => Array.from(got.embeddings![i]!).forEach((x, d) => expect(x).toBeCloseTo(want.get(id)![d]!, 5)));
      expect(got.ids).toHaveLength(2);
    } finally {
      f.close();
    }

    if (problem !== null) return;
    const copy = join(scratch, 'joined-chroma');
    cpSync(dir, copy, { recursive: true });
    const server = await startChroma(copy);
    try {
      type Col = { count(): Promise<number>; query(a: object): Promise<{ ids: string[][]; distances: number[][] }> };
      const http = (await chromaClients(server.port)).client() as { getCollection(a: object): Promise<Col> };
      const chroma = await callChroma(server, () => http.getCollection({ name: 'joined', embeddingFunction: null }));
      expect(await callChroma(server, () => chroma.count())).toBe(5699);
      const sample = [
        ...second.ids.slice(0, 20).map((id, i) => [id, second.embeddings[i]!] as const),
        ...third.ids.slice(-20).map((id, i) => [id, third.embeddings[100 + i]!] as const),
        ...fifth.ids.slice(0, 10).map((id, i) => [id, fifth.embeddings[i]!] as const),
      ];
      const r = await callChroma(server, () => chroma.query({ queryEmbeddings: sample.map(([, v]) => v), nResults: 1, include: ['distances'] }));
      expect(r.ids.map((x) => x[0])).toEqual(sample.map(([id]) => id));
      for (const d of r.distances) expect(Math.abs(d[0]!)).toBeLessThan(1e-5);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('an update, a delete or an upsert of an id the build holds ends its extensions: those rows wait for the next checkpoint, which has them right', async () => {
    const { dir, client, col, seg } = await buildingCollection('changed');
    const second = records(2, 150);
    const fourth = records(4, 150);
    await col.add(second); // only additions: handed to the build
    const moved = records(9, 2).embeddings;
    await col.update({ ids: ['b1-r5'], embeddings: [moved[0]!] }); // a held id's vector: not handed over
    await col.add(fourth); // after the update: not handed over either
    await col.delete({ ids: ['b1-r7'] });
    await col.upsert({ ids: ['b1-r8'], embeddings: [moved[1]!] });
    await until(() => vectorSeq(dir, seg) > 0, 'the first checkpoint');
    expect(vectorSeq(dir, seg)).toBe(5550);
    await client.close();
    expect(vectorSeq(dir, seg)).toBe(5703);
    const labels = pickleField(join(dir, seg), 'id_to_label');
    expect(labels.size).toBe(5699);
    expect(Number(labels.get('b2-r149'))).toBe(5550);
    expect(Number(labels.get('b4-r0'))).toBe(5551);
    const hits = { ids: ['b1-r5', 'b1-r8', 'b2-r0', 'b4-r149'], embeddings: [moved[0]!, moved[1]!, second.embeddings[0]!, fourth.embeddings[149]!] };
    expect(selfHits(dir, 'changed', hits)).toEqual([]);
    const f = ChromaFolder.open(dir);
    try {
      expect(f.get({ name: 'changed' }, { ids: ['b1-r7'] }).ids).toEqual([]);
      expect(f.count({ name: 'changed' })).toBe(5699);
    } finally {
      f.close();
    }
  }, 60_000);

  it('rows a replay skips (a metadata-only update) join as an extension with nothing to insert, and the additions after them keep their labels', async () => {
    const { dir, client, col, seg, first } = await buildingCollection('skipped');
    await col.update({ ids: first.ids.slice(0, 150), metadatas: first.ids.slice(0, 150).map(() => ({ touched: true })) });
    const third = records(3, 150);
    await col.add(third);
    await until(() => vectorSeq(dir, seg) > 0, 'the first checkpoint');
    expect(vectorSeq(dir, seg)).toBe(5700);
    const labels = pickleField(join(dir, seg), 'id_to_label');
    expect(labels.size).toBe(5550);
    expect(Number(labels.get('b3-r0'))).toBe(5401);
    await client.close();
    expect(vectorSeq(dir, seg)).toBe(5700);
    const f = ChromaFolder.open(dir);
    try {
      const vector = f.collectionInfo({ name: 'skipped' }).segments.find((s) => s.scope === 'VECTOR')?.vector;
      expect(vector?.checkpointUsable).toBe(true);
      // The graph holds exactly the pickle's elements: no vector left without an id.
      expect(vector?.header?.curElementCount).toBe(5550);
      expect(vector?.persistedElements).toBe(5550);
    } finally {
      f.close();
    }
    expect(selfHits(dir, 'skipped', { ids: third.ids, embeddings: third.embeddings })).toEqual([]);
  }, 60_000);
});

/** A folder with a checkpoint of 300 records, 50 more in the WAL above it; a writer on it and its collection's target. */
const folderWithTail = () => checkpointedWriter('chroma-inspector-extend-unit-', 300, 50);

/** A stand-in for a running build's extensions: takes every offer and keeps it. */
function takingEverything() {
  const offers: CheckpointBuildExtension[] = [];
  return { offers, extensions: { open: true, offer: (e: CheckpointBuildExtension) => (offers.push(e), true) } as unknown as BuildExtensions };
}

describe('extendVectorPersist', () => {
  it('hands over what a fresh replay of the WAL gives, and settleExtensions undoes what the build did not take', async () => {
    const { w, target, write, rows } = await folderWithTail();
    try {
      const p = prepareVectorPersist(w, target)!;
      expect(p.plan.inserts.map((x) => x.label)).toEqual(Array.from({ length: 50 }, (_, i) => 301 + i));
      const before = { labels: new Map(p.pickle.idToLabel), lastSeq: p.lastSeq, total: p.pickle.totalElementsAdded, maxSeqId: p.pickle.maxSeqId };

      write('ADD', [...rows(3, 20), { id: 'b1-r0', vector: new Float32Array(24) }]); // b1-r0 is held: a replay skips it
      write('UPSERT', rows(4, 5));
      write('DELETE', [{ id: 'never-there' }]); // skipped too
      const { offers, extensions } = takingEverything();
      expect(extendVectorPersist(w, p, extensions)).toBe(25);
      expect(extendVectorPersist(w, p, extensions)).toBe(0); // nothing new above it
      // The reference: a replay of the whole tail from the checkpoint, as the next persist would do it.
      const replay = prepareVectorPersist(w, target)!;
      expect(p.pickle.idToLabel).toEqual(replay.pickle.idToLabel);
      expect(p.pickle.totalElementsAdded).toBe(replay.pickle.totalElementsAdded);
      expect(p.lastSeq).toBe(replay.lastSeq);
      expect(p.pickle.maxSeqId).toBe(replay.pickle.maxSeqId);
      const handed = offers.flatMap((o) => [...o.labels]);
      expect(handed).toEqual(replay.plan.inserts.slice(50).map((x) => x.label));
      expect(handed).toEqual(Array.from({ length: 25 }, (_, i) => 351 + i));
      // The vectors as given (an l2 collection stores them unchanged).
      expect(Array.from(offers[0]!.vectors.subarray(0, 24))).toEqual(Array.from(replay.plan.inserts[50]!.vector));

      // Two more, then the build takes only the first of the three.
      write('ADD', rows(5, 3));
      expect(extendVectorPersist(w, p, extensions)).toBe(3);
      write('ADD', rows(6, 2));
      expect(extendVectorPersist(w, p, extensions)).toBe(2);
      expect(offers).toHaveLength(3);
      settleExtensions(p, 1);
      expect(p.pickle.idToLabel).toEqual(replay.pickle.idToLabel);
      expect([p.lastSeq, p.pickle.totalElementsAdded, p.pickle.maxSeqId]).toEqual([replay.lastSeq, replay.pickle.totalElementsAdded, replay.pickle.maxSeqId]);

      settleExtensions(p, 0);
      // As plain Maps: a persist's map is an EditedIdMap (hnsw/edited-id-map.ts), and toEqual compares Map classes.
      expect(new Map(p.pickle.idToLabel)).toEqual(before.labels);
      expect([p.lastSeq, p.pickle.totalElementsAdded, p.pickle.maxSeqId]).toEqual([before.lastSeq, before.total, before.maxSeqId]);
    } finally {
      w.close();
    }
  });

  it('stops at the first row that changes an id the build holds, and hands over nothing from there on', async () => {
    for (const change of ['UPDATE', 'UPSERT', 'DELETE'] as const) {
      const { w, write, rows, target } = await folderWithTail();
      try {
        const p = prepareVectorPersist(w, target)!;
        write('ADD', rows(3, 10));
        write(change, [{ id: 'b2-r3', ...(change === 'DELETE' ? {} : { vector: new Float32Array(24).fill(0.5) }) }]);
        write('ADD', rows(4, 10));
        const { offers, extensions } = takingEverything();
        expect(extendVectorPersist(w, p, extensions), change).toBe(0);
        expect(offers).toEqual([]);
        expect(p.extendable).toBe(false);
        expect(p.pickle.idToLabel.size).toBe(350);
      } finally {
        w.close();
      }
    }
  });
});
