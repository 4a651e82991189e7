import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { VectorSlab } from '../../src-main/engine/hnsw/vector-slab.js';
import type { VectorState } from '../../src-main/engine/collection/vector-state.js';
import { referenceFixture } from '../helpers/paths.js';

/**
 * Outputs that list or sample vectors follow the records (their labels), never the slab's slot
 * order: a loaded slab follows the checkpoint's internal ids, which a build with several insert
 * threads assigns in no fixed order, and a freed slot is reused by the next label put. The same
 * records in another slot order must give the same recall sample, flags and maps.
 */
describe('VectorSlab.labelsAscending', () => {
  it('lists the live labels in ascending order, whatever the slots, deletes and sparse labels', () => {
    const slab = new VectorSlab('l2', 2);
    const put = (label: number) => slab.put(label, Float32Array.of(label, 1), null);
    for (const label of [9, 3, 7, 1, 8, 2]) put(label);
    slab.delete(3);
    slab.delete(8);
    put(5); // reuses the last freed slot, 8's: slot order is now 9, 3's free slot, 7, 1, 5, 2
    put(2 ** 40); // too large for the table: kept aside
    put(4);
    expect([...slab.labelsAscending()]).toEqual([1, 2, 4, 5, 7, 9, 2 ** 40]);
    expect([...slab.entries()].map(([l]) => l)).not.toEqual([...slab.labelsAscending()]);
    expect([...slab.labelsAscending()]).toHaveLength(slab.size);
  });
});

describe('outputs over vectors do not follow the slab order', () => {
  const dir = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
  let inOrder: ChromaFolder;
  let reslotted: ChromaFolder;
  const name = 'articles';

  /** The collection's loaded vectors, with its slab replaced by one holding them in reverse label order. */
  function reverseSlots(folder: ChromaFolder): void {
    const reader = folder.collectionReaders().find((r) => r.catalog.name === name)!;
    const state = reader.vectors({ forQuery: true }) as VectorState & { slab: VectorSlab };
    const from = state.slab;
    const to = new VectorSlab(from.space, from.dim);
    for (const label of [...from.labelsAscending()].reverse()) to.put(label, from.stored(label)!, from.norm(label));
    state.slab = to;
    const first = [...from.labelsAscending()][0]!;
    expect(to.slotOf(first)).not.toBe(from.slotOf(first));
  }

  beforeAll(() => {
    inOrder = ChromaFolder.open(dir);
    reslotted = ChromaFolder.open(dir);
    reverseSlots(reslotted);
  });
  afterAll(() => {
    inOrder.close();
    reslotted.close();
  });

  it('the recall lab samples the same records and flags the same vectors', () => {
    const opts = { k: 5, queries: 25, seed: 4 };
    const a = inOrder.recall({ name }, opts);
    const b = reslotted.recall({ name }, opts);
    expect(b.sampleIds).toEqual(a.sampleIds);
    expect(b.flags).toEqual(a.flags);
  });

  it('the PCA map lists the same points in the same order at the same places', () => {
    const a = inOrder.embeddingMap({ name });
    const b = reslotted.embeddingMap({ name });
    expect(b.ids).toEqual(a.ids);
    expect(b.xy).toEqual(a.xy);
    expect(b.explained).toEqual(a.explained);
  });

  it('the UMAP layout lists the same points in the same order at the same places', async () => {
    const signal = new AbortController().signal;
    const a = await inOrder.umapMap({ name }, signal, () => {});
    const b = await reslotted.umapMap({ name }, signal, () => {});
    expect(b.ids).toEqual(a.ids);
    expect(b.xy).toEqual(a.xy);
  });
});
