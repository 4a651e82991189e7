import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../src-main/engine/hnsw/checkpoint.js';
import { writeRecords } from '../../src-main/engine/write/record-writes.js';
import { prepareVectorPersist, publishVectorPersist, stageVectorPersist } from '../../src-main/engine/write/vector-persist.js';
import { CheckpointMemo } from '../../src-main/engine/write/checkpoint-memo.js';
import { batchRecords } from './crash-batches.js';
import { checkpointedWriter } from './checkpointed-writer.js';

/**
 * A writer remembers the checkpoint it published (write/checkpoint-memo.ts) and its next persist
 * starts from that, not from reading the files back — while the files are the ones it wrote.
 */
const checkpointed = () => checkpointedWriter('chroma-inspector-memo-', 200, 10);

/** What a persist reads of a checkpoint, comparable: the memo must equal a fresh read of the files it published. */
const essentials = (cp: { usable: boolean; idToLabel: Map<string, number>; totalElementsAdded: number; maxGraphLabel: number; phantomLabels: number[]; deadLabels: Set<number>; maxSeqId: number | null; header: { curElementCount: number; dim: number } | null }) => ({
  usable: cp.usable,
  deadLabels: [...cp.deadLabels],
  ids: [...cp.idToLabel].sort((a, b) => a[1] - b[1]),
  // prepareVectorPersist numbers new labels from max(total, highest label in the graph) + 1.
  nextLabel: Math.max(cp.totalElementsAdded, cp.maxGraphLabel) + 1,
  phantomLabels: cp.phantomLabels,
  maxSeqId: cp.maxSeqId,
  elements: cp.header?.curElementCount,
  dim: cp.header?.dim,
});

describe('the checkpoint a writer remembers', () => {
  it('is what a read of the files it published gives: after deletions and additions, and none when no id is left', async () => {
    const { dir, w, target } = await checkpointed();
    const write = (op: 'ADD' | 'DELETE', ids: string[], batch = 3) => {
      const r = batchRecords(batch, ids.length);
      writeRecords(w, target, op, ids.map((id, i) => ({ id, ...(op === 'ADD' ? { vector: Float32Array.from(r.embeddings[i]!) } : {}) })));
    };
    const persist = async () => {
      const p = prepareVectorPersist(w, target)!;
      publishVectorPersist(w, p, await stageVectorPersist(w, p));
    };
    try {
      const seg = target.vectorSegmentId;
      write('DELETE', ['b1-r0', 'b1-r5', 'b2-r3']);
      write('ADD', ['n1', 'n2', 'b1-r7']); // b1-r7 is held: skipped
      await persist();
      const remembered = w.checkpoints.take(dir, seg);
      expect(remembered).not.toBeNull();
      expect(essentials(remembered!)).toEqual(essentials(readCheckpoint(dir, seg, { space: target.space })));

      // Every id deleted: a checkpoint without ids is not usable, and nothing is remembered of it.
      const all = [...readCheckpoint(dir, seg, { space: target.space }).idToLabel.keys()];
      write('DELETE', all);
      await persist();
      expect(readCheckpoint(dir, seg, { space: target.space }).usable).toBe(false);
      expect(w.checkpoints.take(dir, seg)).toBeNull();
    } finally {
      w.close();
    }
  });

  it('is let go after a while, when no persist came for it', async () => {
    const memo = new CheckpointMemo(20);
    const { dir, w, target } = await checkpointed();
    try {
      const read = readCheckpoint(dir, target.vectorSegmentId, { space: target.space });
      const base = { usable: true, header: read.header, problems: [], maxSeqId: read.maxSeqId, idToLabel: read.idToLabel, idToSeqId: null, totalElementsAdded: 200, phantomLabels: [], maxGraphLabel: 200, deadLabels: new Set<number>() };
      memo.remember(dir, target.vectorSegmentId, base);
      await new Promise((r) => setTimeout(r, 60));
      expect(memo.take(dir, target.vectorSegmentId)).toBeNull();
    } finally {
      w.close();
    }
  });

  it('is what its next persist starts from while the files are the ones written, once, and the files otherwise', async () => {
    const { dir, w, target } = await checkpointed();
    try {
      const seg = target.vectorSegmentId;
      const read = readCheckpoint(dir, seg, { space: target.space });
      // What it remembers differs from the files in one id, so the test can tell which was used.
      const remembered = () => {
        const idToLabel = new Map(read.idToLabel);
        idToLabel.set('only-in-memory', 200);
        idToLabel.delete('b1-r199');
        return { usable: true, header: read.header, problems: [], maxSeqId: read.maxSeqId, idToLabel, idToSeqId: null, totalElementsAdded: 200, phantomLabels: [], maxGraphLabel: 200, deadLabels: new Set<number>() };
      };
      w.checkpoints.remember(dir, seg, remembered());
      const fromMemory = prepareVectorPersist(w, target)!;
      expect(fromMemory.pickle.idToLabel.has('only-in-memory')).toBe(true);
      expect(fromMemory.pickle.idToLabel.has('b1-r199')).toBe(false);
      // Used once: the next persist reads the files.
      const fromFiles = prepareVectorPersist(w, target)!;
      expect(fromFiles.pickle.idToLabel.has('only-in-memory')).toBe(false);
      expect(fromFiles.pickle.idToLabel.get('b1-r199')).toBe(200);
      // A file touched after it was remembered: the files.
      w.checkpoints.remember(dir, seg, remembered());
      utimesSync(join(dir, seg, 'length.bin'), new Date(), new Date(Date.now() + 5000));
      expect(prepareVectorPersist(w, target)!.pickle.idToLabel.has('only-in-memory')).toBe(false);
    } finally {
      w.close();
    }
  });
});
