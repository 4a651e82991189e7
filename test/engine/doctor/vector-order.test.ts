import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistentClient } from '../../../src-main/client/persistent-client.js';
import { runDoctor } from '../../../src-main/engine/doctor/run-doctor.js';
import { findings } from './helpers.js';
import { decodeIndexMetadata } from '../../../src-main/engine/hnsw/index-metadata.js';
import { readPickle } from '../../../src-main/engine/hnsw/pickle-reader.js';
import { rustPickle } from '../hnsw/helpers.js';

/**
 * The doctor's sample ids of duplicate and all-zero vectors come in the order the records were
 * added (their labels), whatever order the checkpoint's id map was pickled in (Rust's is its
 * hash order, another each persist; here it is reversed) or its slab holds them in.
 */
describe('doctor: vector samples in the order the records were added', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'doctor-vector-order-'));
    const client = new PersistentClient({ path: dir });
    const col = await client.createCollection({ name: 'vectors', metadata: { 'hnsw:space': 'l2', 'hnsw:batch_size': 50, 'hnsw:sync_threshold': 50 }, embeddingFunction: null });
    const vector = (i: number) => [Math.sin(i + 1), Math.cos(3 * i + 1), (i % 7) / 7, 1 + i / 100];
    const embeddings = Array.from({ length: 120 }, (_, i) => vector(i));
    embeddings[50] = embeddings[10]!;
    embeddings[70] = embeddings[20]!;
    embeddings[90] = embeddings[10]!;
    embeddings[5] = [0, 0, 0, 0];
    embeddings[30] = [0, 0, 0, 0];
    // Added last first, so that ids and their order of arrival differ from their names' order.
    const ids = embeddings.map((_, i) => `r${i}`);
    const order = ids.map((_, i) => i).reverse();
    await col.add({ ids: order.map((i) => ids[i]!), embeddings: order.map((i) => embeddings[i]!) });
    await client.close();
    // Our writer pickles id_to_label in label order; Rust's pickles it in its hash order. The
    // checkpoint's pickle again with its entries reversed, as such an order would have them.
    const segment = readdirSync(dir, { withFileTypes: true }).find((e) => e.isDirectory())!.name;
    const file = join(dir, segment, 'index_metadata.pickle');
    const meta = decodeIndexMetadata(readPickle(readFileSync(file), file), file);
    const entries = [...meta.idToLabel].reverse();
    expect(entries.length).toBeGreaterThan(50);
    writeFileSync(
      file,
      rustPickle(new Map(entries), meta.totalElementsAdded, { dimensionality: meta.dimensionality, max_seq_id: meta.maxSeqId }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists each duplicate group from its first record, and the zero vectors, by label', async () => {
    const report = await runDoctor(dir);
    const [dup] = findings(report, 'vectors.duplicates');
    const [zero] = findings(report, 'vectors.zero-norm');
    // Labels count up as the records came: r119 first, r0 last. Each group is named from its
    // first record when a second turns up; the two zero vectors are twins too.
    expect(dup!.evidence.ids).toEqual(['r90', 'r50', 'r70', 'r20', 'r10', 'r30', 'r5']);
    expect(zero!.evidence.ids).toEqual(['r30', 'r5']);
  });

  it('names the indexed ids that are no records by label too', async () => {
    // Eight records gone from SQLite, still in the index: labels r111 → 9, r77 → 43, r60 → 60,
    // r40 → 80, r17 → 103, r13 → 107, r8 → 112, r3 → 117 (r119 came first). The pickle lists them
    // highest label first.
    const copy = mkdtempSync(join(tmpdir(), 'doctor-foreign-order-'));
    try {
      cpSync(dir, copy, { recursive: true });
      const db = new Database(join(copy, 'chroma.sqlite3'));
      const gone = ['r3', 'r8', 'r13', 'r17', 'r40', 'r60', 'r77', 'r111'];
      const marks = gone.map(() => '?').join(', ');
      db.prepare(`DELETE FROM embedding_metadata WHERE id IN (SELECT id FROM embeddings WHERE embedding_id IN (${marks}))`).run(...gone);
      expect(db.prepare(`DELETE FROM embeddings WHERE embedding_id IN (${marks})`).run(...gone).changes).toBe(8);
      db.close();
      const report = await runDoctor(copy);
      const [foreign] = findings(report, 'vectors.foreign-ids');
      expect(foreign!.title).toMatch(/^8 ids in the vector index/);
      expect(foreign!.evidence.ids).toEqual(['r111', 'r77', 'r60', 'r40', 'r17']);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
