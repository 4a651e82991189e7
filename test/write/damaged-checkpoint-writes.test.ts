import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { FolderWriter } from '../../src-main/engine/write/folder-writer.js';
import { writeRecords } from '../../src-main/engine/write/record-writes.js';
import { prepareVectorPersist } from '../../src-main/engine/write/vector-persist.js';
import { PersistentClient } from '../../src-main/index.js';
import { pickleField } from '../helpers/pickle-field.js';
import { batchRecords } from './crash-batches.js';
import { checkpointedWriter } from './checkpointed-writer.js';
import { warningsDuring } from '../helpers/process-warnings.js';

/**
 * A usable checkpoint whose pickle names labels that are not live in the graph (marked deleted, as
 * a crash between the files can leave it; Chroma loads such an index): the records of those labels
 * have no vector. Writing to them must still persist — a delete, and a new vector for one.
 */
async function folderWithDeadLabels() {
  const { dir, w, target } = await checkpointedWriter('chroma-inspector-dead-labels-', 200, 0);
  w.close(); // the folder is changed below, as another hand would change it
  const seg = target.vectorSegmentId;
  const labels = pickleField(join(dir, seg), 'id_to_label');
  // Mark the elements of b1-r3 and b1-r4 deleted in data_level0.bin (docs/format.md §6.1, §6.2).
  const header = readFileSync(join(dir, seg, 'header.bin'));
  const [cur, size, labelAt] = [20, 28, 36].map((at) => Number(header.readBigUInt64LE(at)));
  const file = join(dir, seg, 'data_level0.bin');
  const level0 = readFileSync(file);
  const dead = ['b1-r3', 'b1-r4'].map((id) => Number(labels.get(id)));
  for (let i = 0; i < cur!; i++) if (dead.includes(level0.readUInt32LE(i * size! + labelAt!))) level0[i * size! + 2]! |= 1;
  writeFileSync(file, level0);
  return { dir, seg, target, dead };
}

describe('writes over a checkpoint whose pickle names labels the graph does not hold live', () => {
  it('a persist does not mark them deleted again, gives a new vector for one a slot, and is not remembered', async () => {
    const { dir, target, dead } = await folderWithDeadLabels();
    const w = FolderWriter.open(dir);
    try {
      writeRecords(w, target, 'DELETE', [{ id: 'b1-r3' }, { id: 'b1-r10' }]);
      writeRecords(w, target, 'UPDATE', [{ id: 'b1-r4', vector: new Float32Array(24).fill(0.25) }]);
      const p = prepareVectorPersist(w, target)!;
      expect(p.plan.deleteLabels).toEqual([11]); // b1-r10's; b1-r3's (4) is already not live
      expect(p.plan.inserts.map((x) => x.label)).toEqual([dead[1]]);
      expect(p.plan.newCount).toBe(1);
      expect(p.memorable).toBe(false);
    } finally {
      w.close();
    }
  });

  it('a delete of such a record and a new vector for another persist, and both are what the files then say', async () => {
    const { dir, seg } = await folderWithDeadLabels();
    const moved = batchRecords(9, 1).embeddings[0]!;
    const warnings = await warningsDuring(async () => {
      const client = new PersistentClient({ path: dir });
      const col = await client.getCollection({ name: 'checkpointed', embeddingFunction: null });
      await col.delete({ ids: ['b1-r3'] });
      await col.update({ ids: ['b1-r4'], embeddings: [moved] });
      await client.close();
    });
    expect(warnings.filter((m) => m.includes(seg))).toEqual([]);
    expect(pickleField(join(dir, seg), 'id_to_label').has('b1-r3')).toBe(false);
    const f = ChromaFolder.open(dir);
    try {
      const r = f.query({ name: 'checkpointed' }, { queryEmbeddings: [moved], nResults: 1, include: ['distances'] });
      expect(r.ids[0]).toEqual(['b1-r4']);
      expect(r.distances![0]![0]).toBeCloseTo(0, 5);
    } finally {
      f.close();
    }
  });
});
