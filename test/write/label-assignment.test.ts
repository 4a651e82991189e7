import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { writePersistentDataPickle } from '../../src-main/engine/write/pickle-writer.js';
import { PersistentClient } from '../../src-main/index.js';
import { pickleField } from '../helpers/pickle-field.js';
import { batchRecords } from './crash-batches.js';
import { until } from '../helpers/wait-for.js';
import { warningsDuring } from '../helpers/process-warnings.js';

/**
 * Labels are never reused (docs/format.md §6.9): a persist numbers new vectors above every label
 * in the graph — deleted ones and phantoms (in the graph, not in the pickle) included — even when
 * the pickle's total_elements_added is behind the graph, as after a crash between the files.
 */
/** A folder whose collection has a checkpoint of labels 1…250, label 150 deleted; its vector segment. */
async function persistedFolder() {
  const dir = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-labels-')), 'data');
  const client = new PersistentClient({ path: dir });
  const col = await client.createCollection({ name: 'labels', configuration: { hnsw: { sync_threshold: 100 } }, embeddingFunction: null });
  const first = batchRecords(1, 150);
  await col.add(first);
  await col.delete({ ids: [first.ids[149]!] }); // label 150: deleted in the graph at the next persist
  await col.add(batchRecords(2, 100));
  await client.close();
  const db = new Database(join(dir, 'chroma.sqlite3'), { readonly: true });
  const seg = String((db.prepare("SELECT id FROM segments WHERE scope = 'VECTOR'").get() as { id: string }).id);
  db.close();
  const idToLabel = new Map([...pickleField(join(dir, seg), 'id_to_label')].map(([id, l]) => [String(id), Number(l)]));
  const rewritePickle = (labels: Map<string, number>, totalElementsAdded: number) =>
    writeFileSync(join(dir, seg, 'index_metadata.pickle'), writePersistentDataPickle({ dimensionality: first.embeddings[0]!.length, totalElementsAdded, maxSeqId: 0, idToLabel: labels, idToSeqId: new Map() }));
  return { dir, seg, first, idToLabel, rewritePickle };
}

describe('labels a persist gives new vectors', () => {
  it('start above the highest label in the graph, a phantom\'s included, when the pickle is behind', async () => {
    const { dir, seg, first, idToLabel, rewritePickle } = await persistedFolder();
    // The pickle falls behind the graph: the highest live label (250) left out of its maps, as a
    // phantom, and total_elements_added 249. A writer trusting the pickle would hand out 250 again.
    const top = [...idToLabel].reduce((a, b) => (b[1] > a[1] ? b : a));
    expect(top[1]).toBe(250);
    idToLabel.delete(top[0]);
    rewritePickle(idToLabel, 249);

    const client = new PersistentClient({ path: dir });
    const col = await client.getCollection({ name: 'labels', embeddingFunction: null });
    const third = batchRecords(3, 120);
    await col.add(third);
    await client.close();

    const labels = [...pickleField(join(dir, seg), 'id_to_label')].map(([id, l]) => [String(id), Number(l)] as const);
    const newLabels = labels.filter(([id]) => id.startsWith('b3-')).map(([, l]) => l);
    expect(newLabels).toHaveLength(120);
    expect(Math.min(...newLabels)).toBeGreaterThan(250);
    expect(new Set(labels.map(([, l]) => l)).size).toBe(labels.length);

    // Every earlier record still has its own vector (a reused label would have overwritten one).
    const folder = ChromaFolder.open(dir);
    try {
      const got = folder.get({ name: 'labels' }, { ids: [first.ids[20]!, first.ids[148]!, ...third.ids.slice(0, 2)], include: ['embeddings'] });
      const want = new Map([[first.ids[20]!, first.embeddings[20]!], [first.ids[148]!, first.embeddings[148]!], [third.ids[0]!, third.embeddings[0]!], [third.ids[1]!, third.embeddings[1]!]]);
      got.ids.forEach((id, i) => expect(Array.from(got.embeddings![i]!, (x) => Math.fround(x))).toEqual(Array.from(want.get(id)!, (x) => Math.fround(x))));
    } finally {
      folder.close();
    }
  });

  it('follow the files, not what the writer remembers of the checkpoint it published, once those files were changed under it', async () => {
    const { dir, seg, rewritePickle } = await persistedFolder();
    const client = new PersistentClient({ path: dir });
    const col = await client.getCollection({ name: 'labels', embeddingFunction: null });
    await col.add(batchRecords(3, 120)); // a persist: this writer now remembers the checkpoint it published
    await until(() => pickleField(join(dir, seg), 'id_to_label').size === 369, 'the third batch in the checkpoint');
    // Another hand rewrites the pickle: the highest label (370) is left out, as a phantom.
    const now = new Map([...pickleField(join(dir, seg), 'id_to_label')].map(([id, l]) => [String(id), Number(l)]));
    const top = [...now].reduce((a, b) => (b[1] > a[1] ? b : a));
    expect(top[1]).toBe(370);
    now.delete(top[0]);
    rewritePickle(now, 369);
    await col.add(batchRecords(4, 120));
    await client.close();
    // A persist trusting its memory would number from 371 and keep 370's record; the files say 370 is
    // a phantom: it is marked deleted, and the new labels start above it.
    const labels = new Map([...pickleField(join(dir, seg), 'id_to_label')].map(([id, l]) => [String(id), Number(l)]));
    expect(labels.has(top[0])).toBe(false);
    expect(Math.min(...[...labels].filter(([id]) => id.startsWith('b4-')).map(([, l]) => l))).toBe(371);
  });

  it('are never handed out over a checkpoint that cannot be read: it is kept as it is, the rows wait in the WAL, and the warning says how to repair', async () => {
    const { dir, seg, idToLabel, rewritePickle } = await persistedFolder();
    // total_elements_added below labels in use: the pickle is damaged (the checkpoint is unusable).
    rewritePickle(idToLabel, 20);
    const hash = () => readdirSync(join(dir, seg)).sort().map((f) => `${f}:${createHash('sha256').update(readFileSync(join(dir, seg, f))).digest('hex')}`);
    const before = hash();
    const warnings = await warningsDuring(async () => {
      const client = new PersistentClient({ path: dir });
      const col = await client.getCollection({ name: 'labels', embeddingFunction: null });
      await col.add(batchRecords(3, 120));
      await col.add(batchRecords(4, 120));
      await client.close();
    });
    expect(hash()).toEqual(before);
    const db = new Database(join(dir, 'chroma.sqlite3'), { readonly: true });
    const waiting = db.prepare("SELECT count(*) FROM embeddings_queue WHERE id LIKE 'b3-%' OR id LIKE 'b4-%'").pluck().get();
    db.close();
    expect(waiting).toBe(240);
    const ours = warnings.filter((m) => m.includes(seg));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatch(/total_elements_added is 20 but label \d+ is in use.*not replaced.*fix <folder> <new-folder> --only hnsw-rebuild/);
  });
});
